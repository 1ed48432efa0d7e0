"""The appeal pages: the list, the intake form, and the appeal page with its timeline and
exactly the actions this user may take now, each as its action's own form partial."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.appeals import engine, intake, machine, permissions, police, queues, similar
from hotline.appeals.actions import ACTIONS
from hotline.appeals.attachments import operations as attachments
from hotline.appeals.attachments.models import KINDS as ATTACHMENT_KINDS
from hotline.appeals.attachments.models import PUBLISHABLE as PUBLISHABLE_PHOTOS
from hotline.appeals.deadlines import SLA_LABELS, sla_status
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal
from hotline.appeals.queries import AppealFilter, pending_requests, search_appeals
from hotline.appeals.schemas import AppealCreate
from hotline.appeals.states import CITIZEN_EVENTS, CONTEST_STATUSES, EVENT_LABELS, STATE_LABELS, Act, State
from hotline.appeals.visibility import Part, citizen_identity, find_appeal
from hotline.categories.models import Category
from hotline.categories.search import search_keys, spellings
from hotline.core.clock import now
from hotline.core.errors import AppError, BadRequest, Conflict, Forbidden
from hotline.core.extensions import db
from hotline.core.validation import validate
from hotline.core.vocabulary import APPEAL_TYPES, HANDOVER_DIRECTIONS, STAFF_CHANNELS, URGENCIES
from hotline.grid.maps import home_area
from hotline.grid.responsibility import suggest
from hotline.knowledge import operations as knowledge
from hotline.web.forms import filled, form_data, local_moment, query_args
from hotline.web.session import login_required

bp = Blueprint(
    "appeals", __name__, template_folder="templates", static_folder="static", static_url_path="/static/appeals"
)

# 本单位待办: what a unit has in hand.
INBOX_STATES = ",".join((State.DISPATCHED, State.RETURNING, State.HANDLING, State.SUPERVISED, State.PAUSED))


@bp.record_once
def _vocabulary(state: BlueprintSetupState) -> None:
    """The appeals' words, for every template (macros imported without context too)."""
    state.app.jinja_env.globals.update(
        STATE_LABELS=STATE_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        CITIZEN_EVENTS=CITIZEN_EVENTS,
        CONTEST_STATUSES=CONTEST_STATUSES,
        HANDOVER_DIRECTIONS=HANDOVER_DIRECTIONS,
        SLA_LABELS=SLA_LABELS,
        ATTACHMENT_KINDS=ATTACHMENT_KINDS,
        INBOX_STATES=INBOX_STATES,
    )


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    return redirect(url_for("appeals.appeal_list"))


@bp.get("/appeals")
@login_required
def appeal_list() -> ResponseReturnValue:
    return _render_list({}, "诉求列表")


@bp.get("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    """本单位待办: what the user's own unit and those below it have in hand."""
    permissions.UNIT_INBOX.require(g.user)
    tabs = {t.key: t for t in queues.INBOX_TABS}
    tab = tabs.get(request.args.get("tab", ""), queues.INBOX_TABS[0])
    scope = request.args.get("scope", "own") if request.args.get("scope") in queues.INBOX_SCOPES else "own"
    inbox = {
        "tabs": queues.INBOX_TABS,
        "tab": tab,
        "scope": scope,
        "scopes": queues.INBOX_SCOPES,
        "counts": queues.tab_counts(g.user, scope, now()),
    }
    fixed = queues.inbox_filters(g.user, tab, scope)
    return _render_list(fixed, "本单位待办", inbox=inbox, kept={"tab": tab.key, "scope": scope})


@bp.get("/returns")
@login_required
def return_reviews() -> ResponseReturnValue:
    """退单审核: the returns waiting for this user's desk to accept or reject them."""
    return _render_queue(queues.RETURNS)


@bp.get("/approvals")
@login_required
def approvals() -> ResponseReturnValue:
    """待审批: the appeals whose 延期, 挂起 or 申诉 this supervisor decides."""
    return _render_queue(queues.APPROVALS)


@bp.get("/checks")
@login_required
def checks() -> ResponseReturnValue:
    """待核查: the answers this unit is to check on the spot."""
    return _render_queue(queues.CHECKS)


@bp.get("/visits")
@login_required
def visits() -> ResponseReturnValue:
    """回访: the appeals waiting for a return visit, the nearest visit deadline first."""
    return _render_queue(queues.VISITS)


def _render_queue(queue: queues.Queue) -> ResponseReturnValue:
    queue.permission.require(g.user)
    return _render_list(queue.filters, queue.heading, calls=queue is queues.VISITS)


def _render_list(
    fixed: dict[str, str],
    heading: str,
    *,
    inbox: dict | None = None,
    kept: dict[str, str] | None = None,
    calls: bool = False,
) -> ResponseReturnValue:
    """A list of appeals under fixed filters; `inbox`: the inbox's tabs above it; `calls`
    (and the inbox): tap-to-call for those whose caller the user may phone; `kept`: page
    arguments the filters do not carry (the tab)."""
    at = now()
    error = None
    asked = {k: v for k, v in query_args().items() if k not in (kept or {})} | fixed
    try:
        filters = validate(AppealFilter, asked, "筛选条件")
    except BadRequest as exc:
        filters, error = AppealFilter(), exc.message
    items, page = search_appeals(g.user, filters, at)
    args = {k: v for k, v in asked.items() if k != "page"}
    # The 待派单 queue says which appeals may repeat another (疑似重复) before they are sent out.
    queue = filters.state == State.ACCEPTED and permissions.FIND_SIMILAR.allows(g.user)
    duplicates = {a.id: similar.similar_to_appeal(a, g.user, at) for a in items} if queue else None
    requests = pending_requests([a.id for a in items]) if filters.awaiting == "decision" else {}
    callers = {a.id: citizen_identity(g.user, a) for a in items} if inbox or calls else {}
    return render_template(
        "appeals/list.html",
        heading=heading,
        inbox=inbox,
        callers=callers,
        kept=kept or {},
        duplicates=duplicates,
        requests=requests,
        items=items,
        total=page["total"],
        total_capped=page["total_capped"],
        filters=filters,
        error=error,
        args=args,
        pages=max(page["pages"], 1),
        at=at,
        sla_status=sla_status,
    )


def _leaf_categories() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL).order_by(Category.code)
        )
    )


@bp.route("/appeals/new", methods=["GET", "POST"])
@login_required
def appeal_new() -> ResponseReturnValue:
    permissions.REGISTER.require(g.user)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = form_data(AppealCreate)
        if "received_at" in values:  # a datetime-local input: the centre's local time
            values["received_at"] = local_moment(values["received_at"])
        try:
            appeal = intake.create_appeal(values, g.user)
        except BadRequest as exc:
            errors, status = exc.fields or {"body": exc.message}, 400
        else:
            flash(f"已受理，工单编号 {appeal.number}", "success")
            _then_follow_up(appeal)
            if request.form.get("then") == "next":  # 受理并登记下一件
                return redirect(url_for("appeals.appeal_new"))
            return redirect(url_for("appeals.appeal_detail", ref=appeal.id))
    return render_template(
        "appeals/new.html",
        values=values,
        errors=errors,
        categories=_leaf_categories(),
        category_keys=partial(search_keys, spelled=spellings()),
        map_areas=url_for("grid.map_areas", within=home_area(g.user.unit).code, level="grid"),
        types=APPEAL_TYPES,
        urgencies=URGENCIES,
        channels=STAFF_CHANNELS,
        may_set_received_at=permissions.SET_CALL_TIME.allows(g.user),
        may_look_up_caller=permissions.LOOK_UP_CALLER.allows(g.user),
        may_find_similar=permissions.FIND_SIMILAR.allows(g.user),
        may_answer=permissions.ANSWER_FROM_KNOWLEDGE.allows(g.user),
    ), status


# The intake form's panels submit the form with one of these buttons: the new appeal is
# registered, then merged into (并单) or linked to (关联重复件) the appeal the similar-appeal
# panel found, or answered (直接答复) from the entry the knowledge panel found.
FOLLOW_UPS = {
    "merge_into": (Act.MERGE, "master_id"),
    "repeat_of": (Act.LINK_REPEAT, "master_id"),
    "answer_with": (Act.ANSWER, "knowledge_entry_id"),
}


def _then_follow_up(appeal: Appeal) -> None:
    for button, (action, field) in FOLLOW_UPS.items():
        chosen = request.form.get(button, "")
        if chosen.isdigit():
            try:
                engine.perform(appeal.id, action, {field: chosen}, g.user)
            except AppError as exc:  # registered all the same; the operator decides on its page
                flash(f"已受理，但未能{action.label}：{exc.message}", "error")
            else:
                flash(f"已受理并{action.label}", "success")
            return


def _timeline(events: list, merged: list[Appeal], user) -> list[tuple[str, Any, Any]]:
    """The appeal's events, with each appeal merged into it (并单) at the time it was: who
    else called about the same problem, and when."""
    rows: list[tuple[str, Any, Any]] = [("event", e.at, e) for e in events]
    rows += [("merged", m.closed_at or m.received_at, (m, citizen_identity(user, m))) for m in merged]
    return sorted(rows, key=lambda row: row[1])


def _place_map(appeal: Appeal) -> dict[str, str] | None:
    """The map of where the problem is: its point among the grids of its community (or of
    the area it fell in), when it has a point."""
    if appeal.lat is None or appeal.lon is None:
        return None
    place = appeal.grid.parent if appeal.grid is not None and appeal.grid.parent else appeal.place_unit
    area = place or home_area(g.user.unit)
    return {
        "areas": url_for("grid.map_areas", within=area.code, level="grid"),
    }


def _render_detail(
    appeal: Appeal,
    *,
    open_action: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    at = now()
    part = Part.of(g.user, appeal)
    ctx = ActionContext(appeal, g.user, at)
    actions = [ACTIONS[a] for a in machine.available_actions(ctx)]
    repeats = list(db.session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal.id).order_by(Appeal.id)))
    linked = list(db.session.scalars(select(Appeal).where(Appeal.repeat_of_id == appeal.id).order_by(Appeal.id)))
    looking = appeal.state == State.ACCEPTED and permissions.FIND_SIMILAR.allows(g.user)
    candidates = similar.similar_to_appeal(appeal, g.user, at) if looking else []
    routing = suggest(appeal.category, appeal.place_unit) if ACTIONS[Act.DISPATCH] in actions else ([], [])
    return render_template(
        "appeals/detail.html",
        appeal=appeal,
        actions=actions,
        forms={a.name: a.form_context(ctx) for a in actions},
        citizen=citizen_identity(g.user, appeal),
        at=at,
        sla=sla_status(appeal, at),
        repeats=[(r, citizen_identity(g.user, r)) for r in repeats],
        linked=linked,
        similar=candidates,
        suggestions=routing[0],
        routing_notes=routing[1],
        attachments=attachments.for_appeal(appeal, g.user, part),
        timeline=_timeline(part.events(appeal), repeats if part.whole else [], g.user),
        whole=part.whole,
        upload_kinds=attachments.allowed_kinds(g.user, appeal),
        may_publish_photos=permissions.PUBLISH_PHOTOS.allows(g.user),
        PUBLISHABLE_PHOTOS=PUBLISHABLE_PHOTOS,
        handovers=appeal.police_handovers if g.user.at_centre else [],
        place_map=_place_map(appeal),
        feedback_due=police.RECORD_FEEDBACK.allows(g.user) and police.awaiting_feedback(appeal.police_handovers),
        open_action=open_action,
        values=values or {},
        errors=errors or {},
        message=message,
    ), status


@bp.get("/appeals/<ref>")
@login_required
def appeal_detail(ref: str) -> ResponseReturnValue:
    return _render_detail(find_appeal(ref, g.user, whole=True))


@bp.post("/appeals/<ref>/knowledge-proposal")
@login_required
def propose_knowledge(ref: str) -> ResponseReturnValue:
    """建议补充知识库 from an answered appeal: its question and answer, for the centre to review."""
    appeal = find_appeal(ref, g.user)
    try:
        knowledge.propose(filled("title", "answer", "category", "reason"), g.user, appeal_id=appeal.id)
    except BadRequest as exc:
        flash(f"建议未提交：{exc.message}", "error")
    else:
        flash("已提交知识库建议，热线中心审核后发布", "success")
    return redirect(url_for("appeals.appeal_detail", ref=appeal.id))


@bp.post("/appeals/<ref>/police-feedback")
@login_required
def police_feedback(ref: str) -> ResponseReturnValue:
    try:
        police.record_feedback(ref, filled("feedback"), g.user)
    except (BadRequest, Conflict) as exc:
        flash(f"未登记：{exc.message}", "error")
    else:
        flash("已登记110反馈", "success")
    return redirect(url_for("appeals.appeal_detail", ref=ref))


@bp.post("/appeals/<ref>/actions/<action>")
@login_required
def appeal_action(ref: str, action: str) -> ResponseReturnValue:
    record = ACTIONS[engine.action_named(action)]
    values = form_data(record.body)
    photos = [
        (kind, upload.read())
        for kind in record.photos
        for upload in request.files.getlist(f"photos_{kind}")
        if upload.filename
    ]
    try:
        appeal = attachments.perform_with_photos(ref, action, values, photos, g.user)
    except (BadRequest, Forbidden) as exc:
        return _render_detail(
            find_appeal(ref, g.user, whole=True),
            open_action=action,
            values=values,
            errors=exc.fields,
            message=exc.message,
            status=exc.status,
        )
    except AppError as exc:
        if exc.status != 409:
            raise
        return _render_detail(find_appeal(ref, g.user, whole=True), message=exc.message, status=409)
    flash(f"已{record.label}：工单状态为「{State(appeal.state).label}」", "success")
    return redirect(url_for("appeals.appeal_detail", ref=appeal.id))
