"""未诉先办 pages: the week's hot spots on a map and in a table, the appeals behind one,
opening a proactive task from one, and the dashboard's panel."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from hotline.appeals.permissions import DASHBOARD
from hotline.core.errors import AppError, BadRequest
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import validate
from hotline.grid import maps
from hotline.grid.maps import home_area
from hotline.hotspots import operations
from hotline.hotspots.operations import OPEN_TASKS, HotSpotQuery, Week
from hotline.web.forms import query_args
from hotline.web.session import login_required

bp = Blueprint("hotspots", __name__, template_folder="templates")
PANEL_ROWS = 5


def _week() -> tuple[Week, str | None]:
    try:
        query, error = validate(HotSpotQuery, query_args(), "筛选条件"), None
    except BadRequest as exc:
        query, error = HotSpotQuery(), exc.message
    return operations.hot_spots(g.user, query), error


def _map_of(week: Week) -> dict[str, str]:
    """What the page's map element needs: the user's area and the week's hot spots."""
    return {
        "areas": url_for("grid.map_areas", within=home_area(g.user.unit).code),
        "marks": url_for("hotspots.marks", week=week.start) if week.start else "",
    }


@bp.get("/hot-spots")
@login_required
def hot_spots() -> ResponseReturnValue:
    week, error = _week()
    chart = {
        "type": "bar",
        "data": {
            "labels": [f"{s.unit.name}·{s.category.name}" for s in week.spots[:15]],
            "datasets": [
                {"label": "本周件数", "data": [s.count for s in week.spots[:15]]},
                {"label": "此前周均", "data": [s.baseline for s in week.spots[:15]]},
            ],
        },
        "options": {"indexAxis": "y"},
    }
    return render_template(
        "hotspots/list.html",
        week=week,
        error=error,
        map=_map_of(week),
        chart=chart,
        can_open=OPEN_TASKS.allows(g.user),
        settings=current_app.config,
    ), (400 if error else 200)


@bp.get("/hot-spots/marks.geojson")
@login_required
def marks() -> ResponseReturnValue:
    """The week's hot spots as the map's marks: each cell's polygon, shaded by its rise."""
    week, _ = _week()
    top = max((s.ratio or 0 for s in week.spots), default=0) or 1
    return jsonify(
        maps.marks(
            maps.Mark(
                s.unit_id,
                f"{s.unit.name} · {s.category.name}",
                f"本周 {s.count} 件，" + (f"为周均的 {s.ratio:g} 倍" if s.ratio else "此前无此类诉求"),
                url_for("hotspots.hot_spot", spot_id=s.id),
                min((s.ratio or top) / top, 1.0),
            )
            for s in week.spots
        )
    )


@bp.get("/hot-spots/<int:spot_id>")
@login_required
def hot_spot(spot_id: int) -> ResponseReturnValue:
    spot = operations.find_hot_spot(g.user, spot_id)
    query = validate(PageQuery, query_args(), "分页参数")
    items, page = paginate(operations.appeals_behind(g.user, spot), query)
    return render_template(
        "hotspots/detail.html", spot=spot, items=items, page=page, can_open=OPEN_TASKS.allows(g.user)
    )


@bp.post("/hot-spots/<int:spot_id>/task")
@login_required
def open_task(spot_id: int) -> ResponseReturnValue:
    try:
        appeal = operations.open_task(g.user, spot_id)
    except AppError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"已生成主动发现工单 {appeal.number}，由热线中心派单", "success")
    return redirect(url_for("hotspots.hot_spot", spot_id=spot_id))


def dashboard_panel() -> str:
    """The dashboard's list of the latest week's hot spots in the user's area."""
    if not DASHBOARD.allows(g.user):
        return ""
    week = operations.hot_spots(g.user, HotSpotQuery(), limit=PANEL_ROWS)
    return render_template("hotspots/_panel.html", week=week, spots=week.spots, map=_map_of(week))
