"""Pages of the appeals' oversight and clocks: the supervisors' dashboard and the SLA
policy table (administrators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.appeals import activity, queues, sampling, sla_policies
from hotline.appeals import dashboard as boards
from hotline.appeals.deadlines import CEILING_FIELDS, CENTRE_STEPS_AFTER_REPLY, LIMIT_FORMS
from hotline.appeals.sla_defaults import FIELDS, LABELS
from hotline.appeals.states import OPEN_STATES, State
from hotline.core.clock import now
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.grid import maps
from hotline.grid.maps import home_area
from hotline.grid.models import Unit
from hotline.web.session import login_required

bp = Blueprint("sla", __name__, template_folder="templates")


@bp.get("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    at = now()
    within = _within()
    board = boards.dashboard(g.user, at, within)
    area = board.total.unit or home_area(g.user.unit)
    return render_template(
        "appeals/dashboard.html",
        lines=[_line(r, board.total) for r in board.rows],
        trail=_trail(board.total.unit, g.user),
        everything=board.everywhere,
        kinds=boards.by_kind(board),
        trend_chart=_trend_chart(activity.trend(None if board.everywhere else board.total.unit, at)),
        drillable=_drillable([r.unit for r in board.rows if r.unit is not None]),
        queues=queues.counts(g.user, at),
        total=board.total,
        rows=board.rows,
        counted_at=board.counted_at,
        whole=_whole(board.total.unit, board.everywhere),
        place_map={
            "areas": url_for("grid.map_areas", within=area.code),
            "marks": url_for("sla.dashboard_places", unit=within.code if within else None),
        },
    )


# What the board's numbers list: the centre's own steps, or units at the units' steps.
OPEN_STATE_LIST = ",".join(s for s in State if s in OPEN_STATES)
UNIT_STEPS = ",".join(s for s in State if s in OPEN_STATES - {State.ACCEPTED, *CENTRE_STEPS_AFTER_REPLY})


def _line(row: boards.AreaCounts, total: boards.AreaCounts) -> tuple[boards.AreaCounts, str, dict[str, str | int]]:
    """A row of the board, the key the category table files it under (`by_kind`), and the
    list filter its numbers open: the centre's own steps, the area's own desk, or a unit's
    subtree at the units' steps."""
    if row.unit is None:
        return row, "own", {"held": "own", "state": OPEN_STATE_LIST}
    if row.unit == total.unit:
        return row, "own", {"holder": row.unit.id, "state": UNIT_STEPS}
    return row, row.unit.code, _whole(row.unit, everything=False)


def _trend_chart(days: list[activity.Day]) -> dict:
    """The last 30 days of the area: received, closed, carded."""
    series = (("受理", "received"), ("办结（评价）", "closed"), ("督办（亮牌）", "carded"))
    return {
        "type": "line",
        "data": {
            "labels": [f"{d.day:%m-%d}" for d in days],
            "datasets": [{"label": label, "data": [getattr(d, key) for d in days]} for label, key in series],
        },
        "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
    }


def _trail(unit: Unit | None, user) -> list[Unit]:
    """The units from the user's own area down to the one shown (the way back up)."""
    home = user.unit.parent if user.at_centre else user.unit
    trail: list[Unit] = []
    while unit is not None and unit.path.startswith(home.path):
        trail.insert(0, unit)
        unit = unit.parent
    return trail


def _drillable(units: list[Unit]) -> set[int]:
    """Which of these units have units below them to drill into."""
    ids = [u.id for u in units]
    return set(db.session.scalars(select(Unit.parent_id).where(Unit.parent_id.in_(ids), Unit.active).distinct()))


@bp.get("/dashboard/places.geojson")
@login_required
def dashboard_places() -> ResponseReturnValue:
    """The board's map: the grids where its open appeals are, shaded by how many, each
    linking to exactly the list it counts."""
    area, everything, places = boards.places(g.user, now(), _within())
    most = max((p.open for p in places), default=0) or 1
    whole: dict[str, Any] = _whole(area, everything)
    return jsonify(
        maps.marks(
            maps.Mark(
                p.grid.id,
                p.grid.name,
                f"在办 {p.open} 件，其中超期 {p.overdue} 件",
                url_for("appeals.appeal_list", grid=p.grid.id, **whole),
                p.open / most,
            )
            for p in places
        )
    )


def _within() -> Unit | None:
    """The unit a board drills into (?unit=code), 404 for none such."""
    if not request.args.get("unit"):
        return None
    within = db.session.scalar(select(Unit).where(Unit.code == request.args["unit"]))
    if within is None:
        raise NotFound("没有这个单位，或不在您的辖区内")
    return within


def _whole(area: Unit | None, everything: bool) -> dict[str, str | int]:
    """The list filter of everything a board counts: every open appeal (the centre's own
    view), or those its area's units hold at the units' steps."""
    if everything or area is None:
        return {"state": OPEN_STATE_LIST}
    return {"unit": area.id, "state": UNIT_STEPS}


@bp.route("/admin/sla-policies", methods=["GET", "POST"])
@login_required
def policies() -> ResponseReturnValue:
    rows = sla_policies.policies_to_edit(g.user)
    errors: dict[str, str] = {}
    status, editing = 200, None
    if request.method == "POST":
        editing = (request.form.get("urgency", ""), request.form.get("type", ""))
        data = {f: request.form.get(f, "").strip() for f in FIELDS}
        try:
            sla_policies.update_policy(*editing, data, g.user)
        except BadRequest as exc:
            errors, status = exc.fields, 400
        else:
            flash(f"已保存「{editing[0]}·{editing[1]}」的办理时限", "success")
            return redirect(url_for("sla.policies"))
    return _policies_page(rows, errors=errors, editing=editing, status=status)


def _policies_page(
    rows, *, errors=None, editing=None, category_errors=None, share_errors=None, status=200
) -> ResponseReturnValue:
    return render_template(
        "appeals/sla_policies.html",
        rows=rows,
        fields=FIELDS,
        labels=LABELS,
        limit_forms=LIMIT_FORMS,
        errors=errors or {},
        editing=editing,
        values=request.form,
        category_rows=sla_policies.category_limits(),
        categories=sla_policies.all_categories(),
        category_errors=category_errors or {},
        share_rows=sampling.audit_shares(),
        default_percent=sampling.default_percent(),
        field_check=current_app.config["HOTLINE_FIELD_CHECK_CATEGORIES"],
        share_errors=share_errors or {},
    ), status


@bp.post("/admin/sla-policies/categories")
@login_required
def category_limit() -> ResponseReturnValue:
    rows = sla_policies.policies_to_edit(g.user)
    code = request.form.get("category", "").strip()
    data = {f: request.form.get(f, "").strip() for f in CEILING_FIELDS}
    try:
        if not code:
            raise BadRequest("请选择诉求分类", fields={"category": "请选择诉求分类"})
        row = sla_policies.set_category_limit(code, data, g.user)
    except BadRequest as exc:
        return _policies_page(rows, category_errors=exc.fields, status=400)
    flash(f"已保存「{code}」的分类时限" if row else f"已取消「{code}」的分类时限", "success")
    return redirect(url_for("sla.policies") + "#category-limits")


@bp.post("/admin/sla-policies/audit-shares")
@login_required
def audit_share() -> ResponseReturnValue:
    rows = sla_policies.policies_to_edit(g.user)
    code, percent = request.form.get("unit", "").strip(), request.form.get("percent", "").strip()
    try:
        unit, row = sampling.set_audit_share(code, {"percent": percent or None}, g.user)
    except (BadRequest, NotFound) as exc:
        return _policies_page(rows, share_errors=exc.fields or {"unit": exc.message}, status=exc.status)
    flash(f"已将{unit.name}的抽查比例设为 {percent}%" if row else f"已取消{unit.name}的抽查比例", "success")
    return redirect(url_for("sla.policies") + "#audit-shares")


@bp.post("/admin/sla-policies/reset")
@login_required
def policies_reset() -> ResponseReturnValue:
    sla_policies.reset_defaults(g.user)
    flash("已恢复默认办理时限", "success")
    return redirect(url_for("sla.policies"))
