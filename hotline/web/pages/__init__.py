"""Pages: the appeal list, the intake form, and the appeal page with its timeline and
exactly the actions this user may take now."""
from __future__ import annotations

import typing

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from pydantic import BaseModel
from sqlalchemy import select

from hotline.attachments import operations as attachments
from hotline.auth.sessions import login_required
from hotline.clock import now
from hotline.errors import AppError, BadRequest, Forbidden, NotFound
from hotline.extensions import db
from hotline.grid.models import Unit
from hotline.grid.responsibility import suggest_for
from hotline.models import Appeal, Category
from hotline.validation import validate
from hotline.vocabulary import APPEAL_TYPES, RESOLUTIONS, SATISFACTIONS, STAFF_CHANNELS, URGENCIES, VOID_REASONS
from hotline.workflow import machine, operations
from hotline.workflow.deadlines import policies, sla_status
from hotline.workflow.machine import ACTIONS, ActionContext
from hotline.workflow.queries import AppealFilter, search_appeals
from hotline.workflow.schemas import AppealCreate
from hotline.workflow.visibility import citizen_identity

bp = Blueprint("pages", __name__, template_folder="templates")

INBOX_STATES = "dispatched,handling,supervised"


def form_data(model: type[BaseModel]) -> dict:
    """The submitted form's values for the model's fields; empty inputs are left out."""
    data = {}
    for name, field in model.model_fields.items():
        if typing.get_origin(field.annotation) is list:
            values = [v for v in request.form.getlist(name) if v.strip()]
            if values:
                data[name] = values
        elif request.form.get(name, "").strip():
            data[name] = request.form[name]
    return data


@bp.app_context_processor
def _navigation():
    user = g.get("user")
    return {"may_register": bool(user) and operations.may_register(user), "INBOX_STATES": INBOX_STATES}


@bp.get("/")
@login_required
def home():
    return redirect(url_for("pages.appeal_list"))


@bp.get("/appeals")
@login_required
def appeal_list():
    at = now()
    error = None
    try:
        filters = validate(AppealFilter, {k: v for k, v in request.args.items() if v.strip()}, "筛选条件")
    except BadRequest as exc:
        filters, error = AppealFilter(), exc.message
    items, page = search_appeals(g.user, filters, at)
    args = {k: v for k, v in request.args.items() if k != "page" and v.strip()}
    return render_template(
        "pages/list.html", items=items, total=page["total"], filters=filters, error=error, args=args,
        pages=max(page["pages"], 1), at=at, sla_status=sla_status,
    )


def _leaf_categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL).order_by(Category.code)
    ))


@bp.route("/appeals/new", methods=["GET", "POST"])
@login_required
def appeal_new():
    operations.check_may_register(g.user)
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = form_data(AppealCreate)
        try:
            appeal = operations.create_appeal(values, g.user)
        except BadRequest as exc:
            errors, status = exc.fields or {"body": exc.message}, 400
        else:
            flash(f"已受理，工单编号 {appeal.number}", "success")
            return redirect(url_for("pages.appeal_detail", ref=appeal.id))
    limits = {f"{u}/{t}": {"sign": p.sign_text, "handle": p.handle_text} for (u, t), p in policies().items()}
    return render_template(
        "pages/new.html", values=values, errors=errors, categories=_leaf_categories(), limits=limits,
        types=APPEAL_TYPES, urgencies=URGENCIES, channels=STAFF_CHANNELS,
        may_set_received_at=g.user.has_role("operator"),
    ), status


def _unit_options(appeal: Appeal, actions: list[str]) -> dict[str, list[Unit]]:
    options = {}
    if "dispatch" in actions:
        options["dispatch"] = list(db.session.scalars(
            select(Unit).where(Unit.active, Unit.kind != "centre", Unit.level != "province").order_by(Unit.path)
        ))
    if "redispatch" in actions and appeal.current_unit is not None:
        below = Unit.subtree_clause(appeal.current_unit.path)
        options["redispatch"] = list(db.session.scalars(
            select(Unit).where(Unit.active, below, Unit.id != appeal.current_unit_id).order_by(Unit.path)
        ))
    return options


def _place_below(appeal: Appeal, actions: list[str]) -> set[int]:
    """For 转派: the units where the problem is (its community and grid) below the current unit."""
    if "redispatch" not in actions or appeal.place_unit is None:
        return set()
    chain = [*db.session.scalars(appeal.place_unit.ancestors_query()), appeal.place_unit]
    return {u.id for u in chain if appeal.current_unit.is_ancestor_of(u)}


def _render_detail(appeal: Appeal, *, open_action: str | None = None, values: dict | None = None,
                   errors: dict | None = None, message: str | None = None, status: int = 200):
    at = now()
    actions = machine.available_actions(ActionContext(appeal, g.user, at))
    citizen = citizen_identity(g.user, appeal)
    repeats = list(db.session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal.id)))
    suggestions, routing_notes = suggest_for(appeal) if "dispatch" in actions else ([], [])
    photos = attachments.for_appeal(appeal)
    return render_template(
        "pages/detail.html", appeal=appeal, actions=actions, citizen=citizen, at=at,
        sla=sla_status(appeal, at), unit_options=_unit_options(appeal, actions), repeats=repeats,
        suggestions=suggestions, routing_notes=routing_notes, place_below=_place_below(appeal, actions),
        attachments=photos, upload_kinds=attachments.allowed_kinds(g.user, appeal),
        open_action=open_action, values=values or {}, errors=errors or {}, message=message,
        resolutions=RESOLUTIONS, satisfactions=SATISFACTIONS, void_reasons=VOID_REASONS,
    ), status


@bp.get("/appeals/<ref>")
@login_required
def appeal_detail(ref):
    return _render_detail(operations.find_appeal(ref, g.user))


@bp.post("/appeals/<ref>/actions/<action>")
@login_required
def appeal_action(ref, action):
    spec = operations.SPECS.get(action)
    if spec is None:
        raise NotFound(f"没有「{action}」这个操作")
    values = form_data(spec.body)
    try:
        appeal = operations.perform(ref, action, values, g.user)
    except (BadRequest, Forbidden) as exc:
        return _render_detail(operations.find_appeal(ref, g.user), open_action=action, values=values,
                              errors=exc.fields, message=exc.message, status=exc.status)
    except AppError as exc:
        if exc.status != 409:
            raise
        return _render_detail(operations.find_appeal(ref, g.user), message=exc.message, status=409)
    flash(f"已{ACTIONS[action]}：工单状态为「{machine.STATES[appeal.state]}」", "success")
    return redirect(url_for("pages.appeal_detail", ref=appeal.id))
