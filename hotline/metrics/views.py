"""The assessment pages for supervisors: the table, and the appeals behind each figure."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from sqlalchemy import func, select

from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.pagination import paginate
from hotline.core.validation import validate
from hotline.metrics import operations, ranking
from hotline.metrics.export import XLSX, ranking_xlsx
from hotline.metrics.operations import BehindQuery, MetricsQuery
from hotline.metrics.rates import DIRECT_ANSWER, RATES, formula
from hotline.web.session import login_required

bp = Blueprint("metrics", __name__, template_folder="templates")
LABELS = {r.key: r.label for r in RATES}


def _asked() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if v.strip()}


@bp.get("/metrics")
@login_required
def assessment():
    error, status = None, 200
    try:
        query = validate(MetricsQuery, _asked(), "筛选条件")
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
    query = validate(BehindQuery, _asked(), "筛选条件")
    unit, rate, found = operations.appeals_behind(g.user, query)
    items, page = paginate(found, query)
    start, end = query.period()
    other = query.model_copy(update={"part": "numerator" if query.part == "denominator" else "denominator"})
    totals = {
        query.part: page["total"],
        other.part: db.session.scalar(
            select(func.count()).select_from(operations.appeals_behind(g.user, other)[2].order_by(None).subquery())
        ),
    }
    return render_template(
        "metrics/behind.html",
        unit=unit,
        rate=rate,
        part=query.part,
        items=items,
        page=page,
        totals=totals,
        start=start,
        end=end,
        formula=formula,
    )


@bp.get("/metrics/ranking")
@login_required
def ranking_page():
    query = validate(MetricsQuery, _asked(), "筛选条件")
    start, end, groups = ranking.rank(g.user, query)
    return render_template("metrics/ranking.html", start=start, end=end, groups=groups, query=query)


@bp.get("/metrics/ranking.xlsx")
@login_required
def ranking_export():
    query = validate(MetricsQuery, _asked(), "筛选条件")
    start, end, groups = ranking.rank(g.user, query)
    name = f"ranking-{start}-{end}.xlsx"
    return Response(
        ranking_xlsx(start, end, groups),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
