"""The assessment pages for supervisors: the table, and the appeals behind each figure."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template

from hotline.core.errors import BadRequest
from hotline.core.pagination import paginate
from hotline.core.validation import validate
from hotline.metrics import operations, ranking
from hotline.metrics.export import XLSX, ranking_xlsx
from hotline.metrics.operations import BehindQuery, MetricsQuery, Rate, UnitScore
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
        trend_chart=_trend_chart(operations.trend(g.user, query)),
        spread_chart=_spread_chart(scores),
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


# The rates shown at first on the trend (the others are a click on the legend away).
SHOWN_AT_FIRST = ("response", "resolution", "satisfaction", "on_time")
BANDS = ((0, 60, "60分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"), (90, 101, "90分以上"))


def _trend_chart(points: list[tuple[date, dict[str, Rate]]]) -> dict:
    """Each rate month by month, in per cent (a gap where a month had no data)."""
    return {
        "type": "line",
        "data": {
            "labels": [f"{first:%Y-%m}" for first, _ in points],
            "datasets": [
                {
                    "label": r.label,
                    "data": [
                        round(v.value * 100, 1) if (v := rates[r.key]).value is not None else None
                        for _, rates in points
                    ],
                    "hidden": r.key not in SHOWN_AT_FIRST,
                    "spanGaps": True,
                }
                for r in RATES
            ],
        },
        "options": {"scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "%"}}}},
    }


def _percent(rate: Rate) -> float | None:
    return round(rate.value * 100, 1) if rate.value is not None else None


def _spread_chart(scores: list[UnitScore]) -> dict:
    """How many units score in each band of the composite."""
    scored = [s.composite for s in scores if s.composite is not None]
    return {
        "type": "bar",
        "data": {
            "labels": [label for _, _, label in BANDS],
            "datasets": [{"label": "单位数", "data": [sum(low <= c < high for c in scored) for low, high, _ in BANDS]}],
        },
        "options": {"plugins": {"legend": {"display": False}}, "scales": {"y": {"ticks": {"precision": 0}}}},
    }


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
    start, end, groups = ranking.rank(g.user, query, rates=True)
    name = f"ranking-{start}-{end}.xlsx"
    return Response(
        ranking_xlsx(start, end, groups),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
