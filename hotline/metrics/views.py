"""The assessment pages for supervisors: the table, and the appeals behind each figure."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template

from hotline.core.errors import BadRequest
from hotline.core.pagination import paginate
from hotline.core.validation import validate
from hotline.metrics import operations, ranking
from hotline.metrics.export import XLSX, ranking_xlsx
from hotline.metrics.operations import BehindQuery, MetricsQuery
from hotline.metrics.rates import DIRECT_ANSWER, RATES, formula
from hotline.web.forms import query_args
from hotline.web.session import login_required

bp = Blueprint("metrics", __name__, template_folder="templates")
LABELS = {r.key: r.label for r in RATES}


@bp.get("/metrics")
@login_required
def assessment():
    error, status = None, 200
    try:
        query = validate(MetricsQuery, query_args(), "筛选条件")
    except BadRequest as exc:
        query, error, status = MetricsQuery(), exc.message, 400
    start, end, scores = operations.assess(g.user, query)
    centre = operations.centre_rates(g.user, query) if g.user.at_centre else None
    return render_template(
        "metrics/assessment.html",
        start=start,
        end=end,
        scores=scores,
        query=query,
        error=error,
        rates=RATES,
        labels=LABELS,
        formula=formula,
        direct=DIRECT_ANSWER,
        centre=centre,
        centre_code=g.user.unit.code,
    ), status


@bp.get("/metrics/appeals")
@login_required
def behind():
    query = validate(BehindQuery, query_args(), "筛选条件")
    behind = operations.appeals_behind(g.user, query)
    items, page = paginate(behind.appeals, query)
    start, end = query.period()
    return render_template(
        "metrics/behind.html",
        unit=behind.unit,
        rate=behind.rate,
        part=query.part,
        items=items,
        page=page,
        totals=behind.totals(),
        start=start,
        end=end,
        formula=formula,
    )


@bp.get("/metrics/ranking")
@login_required
def ranking_page():
    query = validate(MetricsQuery, query_args(), "筛选条件")
    start, end, groups = ranking.rank(g.user, query)
    return render_template("metrics/ranking.html", start=start, end=end, groups=groups, query=query)


@bp.get("/metrics/ranking.xlsx")
@login_required
def ranking_export():
    query = validate(MetricsQuery, query_args(), "筛选条件")
    start, end, groups = ranking.rank(g.user, query)
    name = f"ranking-{start}-{end}.xlsx"
    return Response(
        ranking_xlsx(start, end, groups),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
