"""Operations on appeals: the only code that changes them.

`create_appeal` registers one (受理); `perform` takes any action of the state machine.
Each runs in one transaction that validates the input, fires the transition, sets the
fields, writes the event and bumps the version; on any error nothing is written."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import attributes

from hotline import MAX_ID
from hotline.auth.models import User
from hotline.clock import format_local, now
from hotline.db import ConcurrentUpdate, write_transaction
from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.extensions import db
from hotline.grid.geo import Placement, placement
from hotline.grid.models import Unit
from hotline.grid.responsibility import check_not_pushed_down
from hotline.idempotency import Once, run_once
from hotline.models import Appeal, AppealCoUnit, AppealEvent, Category, Extension
from hotline.notifications.operations import notify
from hotline.notifications.sms import queue_sms
from hotline.validation import validate
from hotline.vocabulary import CARD_LEVELS, STAFF_CHANNELS, UNRATED
from hotline.workflow import machine, schemas
from hotline.workflow.deadlines import (
    Limit,
    close_card,
    contact_limit,
    due,
    issue_card,
    policy_for,
    start_clock,
    stop_clock,
)
from hotline.workflow.machine import ACTIONS, MAX_RETURNS, ActionContext
from hotline.workflow.numbering import next_number
from hotline.workflow.visibility import visible_clause

# How far a telephone system's call time may lie from now.
RECEIVED_AT_PAST = timedelta(days=7)
RECEIVED_AT_FUTURE = timedelta(minutes=5)

STALE = "工单已被他人更新（您看到的是旧版本），请刷新后重试"


def find_appeal(ref: int | str, user: User) -> Appeal:
    """The appeal by id or 工单编号, if this user may see it; 404 otherwise."""
    ref = str(ref)
    if not ref.isdigit() or (len(ref) != 16 and int(ref) > MAX_ID):
        raise NotFound("没有这个工单")
    by_ref = Appeal.number == ref if len(ref) == 16 else Appeal.id == int(ref)
    appeal = db.session.scalar(select(Appeal).where(by_ref, visible_clause(user)))
    if appeal is None:
        raise NotFound("没有这个工单")
    return appeal


# ---------------------------------------------------------------- 受理 (create)


def may_register(user: User) -> bool:
    return user.at_centre and user.has_role("operator", "dispatcher")


def check_may_register(user: User) -> None:
    if not may_register(user):
        raise Forbidden("只有热线中心的话务员或派单员可以登记诉求")


def create_appeal(data: Mapping[str, Any], actor: User, *, at: datetime | None = None,
                  once: Once | None = None) -> Appeal:
    """受理 at the console: an operator or dispatcher records a call (or a letter, a 110
    hand-over, something found on patrol)."""
    at = at or now()
    check_may_register(actor)
    body = validate(schemas.AppealCreate, data)
    fields = {}
    if body.channel not in STAFF_CHANNELS:
        fields["channel"] = f"「{body.channel}」渠道的诉求由其自身入口登记"
    if body.received_at is not None:
        if not actor.has_role("operator"):
            fields["received_at"] = "只有话务员可以填写来电时间"
        elif not (at - RECEIVED_AT_PAST <= body.received_at <= at + RECEIVED_AT_FUTURE):
            fields["received_at"] = "来电时间必须在最近7天内且不晚于当前时间"
    if fields:
        raise BadRequest("请求内容有误：" + "；".join(f"{k}：{v}" for k, v in fields.items()), fields=fields)
    return register(body, actor=actor, at=at, received_at=body.received_at, once=once)


def register(body: schemas.AppealCreate, *, at: datetime, actor: User | None = None,
             received_at: datetime | None = None, once: Once | None = None, place: Placement | None = None,
             details: dict | None = None, attach: Callable[[Appeal], None] | None = None) -> Appeal:
    """受理 proper, for every intake (console, citizen reports, Open311): number the appeal,
    place it, write the event, text the citizen the receipt, in one transaction. `actor` is
    None when the citizen filed it; `place` overrides routing by the point; `attach(appeal)`
    adds the intake's own rows in the same transaction. With `once`, a retry of the same
    request returns the first appeal."""

    def create() -> Appeal:
        with write_transaction(db.session):
            if once is not None and (previous := once.previous(db.session, at)) is not None:
                return db.session.get(Appeal, previous)
            category = db.session.scalar(select(Category).where(Category.code == body.category))
            if category is None or not category.active or not category.is_leaf:
                reason = "不是末级分类" if category is not None and category.active else "没有这个分类"
                raise BadRequest(f"请求内容有误：category：{reason}", fields={"category": reason})
            values = body.model_dump(exclude={"category", "received_at"})
            if body.is_anonymous:
                values["citizen_name"] = None
            where = place or placement(body.lon, body.lat)
            appeal = Appeal(
                **values,
                grid_id=where.grid_id, place_unit_id=where.unit_id, place_note=where.reason,
                number=next_number(db.session, body.channel, at), query_code=f"{secrets.randbelow(10**6):06d}",
                category=category,
                state=machine.INITIAL_STATE,
                received_at=received_at or at,
                created_at=at,
                updated_at=at,
                created_by_id=actor.id if actor else None,
            )
            db.session.add(appeal)
            db.session.flush()
            if attach is not None:
                attach(appeal)
            db.session.add(AppealEvent(
                appeal_id=appeal.id, at=at, actor_id=actor.id if actor else None,
                unit_id=actor.unit_id if actor else None,
                action="create", from_state=None, to_state=appeal.state,
                payload={"channel": body.channel, "number": appeal.number, **(details or {}),
                         "place": {"grid_id": where.grid_id, "unit_id": where.unit_id, "reason": where.reason}},
            ))
            if once is not None:
                once.remember(db.session, appeal.id, at)
            queue_sms(appeal, "sms.accepted")
        return appeal

    return run_once(once, create)


# ---------------------------------------------------------------- actions


@dataclass
class Outcome:
    """What an action's effect reports for its event."""

    target_unit: Unit | None = None
    details: dict | None = None


@dataclass(frozen=True)
class ActionSpec:
    body: type[BaseModel]
    apply: Callable[[ActionContext, dict], Outcome]
    prepare: Callable[[ActionContext], dict] | None = None


def perform(ref: int | str, action: str, data: Mapping[str, Any], actor: User,
            *, at: datetime | None = None) -> Appeal:
    """Take `action` on the appeal as `actor`. 404 if the user cannot see it or there is no
    such action, 409 if the state or a rule forbids it or someone else changed it first,
    403 if the user may not take it, 400 if the body is wrong."""
    spec = SPECS.get(action)
    if spec is None:
        raise NotFound(f"没有「{action}」这个操作")
    at = at or now()
    try:
        with write_transaction(db.session):
            appeal = find_appeal(ref, actor)
            seen_version = _seen_version(data)
            if seen_version is not None and seen_version != appeal.version:
                raise Conflict(STALE, state=appeal.state, version=appeal.version)
            ctx = ActionContext(appeal, actor, at)
            machine.check(action, ctx)
            ctx.body = validate(spec.body, data)
            prepared = spec.prepare(ctx) if spec.prepare else {}
            from_state = appeal.state
            with db.session.no_autoflush:  # one UPDATE, so one version per action
                machine.fire(action, ctx)
                outcome = spec.apply(ctx, prepared)
            appeal.updated_at = at
            attributes.flag_modified(appeal, "updated_at")  # every action bumps the version
            db.session.add(AppealEvent(
                appeal_id=appeal.id, at=at, actor_id=actor.id, unit_id=actor.unit_id,
                action=action, from_state=from_state, to_state=appeal.state,
                target_unit_id=outcome.target_unit.id if outcome.target_unit else None,
                note=ctx.body.note,
                payload=_payload(ctx.body, outcome.details),
            ))
    except ConcurrentUpdate:
        raise Conflict(STALE) from None
    return appeal


def _seen_version(data: Any) -> int | None:
    """The version the caller saw, checked before anything else (validated again with the body)."""
    value = data.get("version") if isinstance(data, Mapping) else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _payload(body: BaseModel, details: dict | None) -> dict:
    payload = body.model_dump(mode="json", exclude_none=True, exclude={"note", "version"})
    if details:
        payload.update({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in details.items()})
    return payload


def _unit(unit_id: int, field: str = "unit_id") -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise BadRequest(f"请求内容有误：{field}：没有这个单位", fields={field: "没有这个单位"})
    if unit.is_centre:
        raise BadRequest(f"请求内容有误：{field}：不能派给热线中心", fields={field: "不能派给热线中心"})
    return unit


def _set_unit(appeal: Appeal, unit: Unit | None, dispatched_by: Unit | None) -> None:
    appeal.current_unit = unit
    appeal.main_unit = unit
    appeal.dispatched_by_unit = dispatched_by
    appeal.escalated_to_unit_id = unit.parent_id if unit else None


def _start_signing(appeal: Appeal, at: datetime) -> dict:
    """A unit received the appeal: its sign and return clocks start now."""
    policy = policy_for(appeal)
    appeal.dispatched_at = at
    appeal.signed_at = None
    appeal.sign_due_at = due(policy.sign, at)
    appeal.return_due_at = due(policy.return_window, at)
    appeal.first_contact_at = None  # the new unit must contact the citizen itself
    appeal.contact_due_at = due(contact_limit(appeal), at)
    start_clock(appeal, at, appeal.sign_due_at)
    return {"sign_due_at": appeal.sign_due_at, "return_due_at": appeal.return_due_at,
            "contact_due_at": appeal.contact_due_at}


def _handling_clock(appeal: Appeal) -> None:
    start_clock(appeal, appeal.dispatched_at, appeal.due_at)


# 派单
def _prepare_dispatch(ctx: ActionContext) -> dict:
    unit = _unit(ctx.body.unit_id)
    check_not_pushed_down(ctx.appeal, unit)
    co_ids = list(dict.fromkeys(ctx.body.co_unit_ids))
    if unit.id in co_ids:
        raise BadRequest("请求内容有误：co_unit_ids：主办单位不能同时是协办单位",
                         fields={"co_unit_ids": "主办单位不能同时是协办单位"})
    return {"unit": unit, "co_units": [_unit(i, "co_unit_ids") for i in co_ids]}


def _apply_dispatch(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal, unit = ctx.appeal, prepared["unit"]
    _set_unit(appeal, unit, None)
    appeal.dispatch_count += 1
    appeal.designated = appeal.return_count >= MAX_RETURNS
    appeal.co_units = [AppealCoUnit(unit=u) for u in prepared["co_units"]]
    details = _start_signing(appeal, ctx.at)
    appeal.due_at = due(policy_for(appeal).handle, ctx.at)
    details.update(due_at=appeal.due_at, designated=appeal.designated,
                   co_unit_ids=[u.id for u in prepared["co_units"]])
    _notify_new_work(appeal, unit, ctx.at)
    for co in prepared["co_units"]:
        notify(co.id, "dispatch", f"新协办工单：{appeal.title}", appeal_id=appeal.id,
               link=f"/appeals/{appeal.id}", at=ctx.at)
    return Outcome(unit, details)


def _notify_new_work(appeal: Appeal, unit: Unit, at: datetime) -> None:
    notify(unit.id, "dispatch", f"新派单：{appeal.title}", appeal_id=appeal.id, link=f"/appeals/{appeal.id}",
           body=f"工单 {appeal.number}，请于 {format_local(appeal.sign_due_at)} 前签收。", at=at)



# 转派
def _prepare_redispatch(ctx: ActionContext) -> dict:
    unit = _unit(ctx.body.unit_id)
    if not ctx.appeal.current_unit.is_ancestor_of(unit):
        raise BadRequest("请求内容有误：unit_id：只能转派给本单位的下级单位",
                         fields={"unit_id": "只能转派给本单位的下级单位"})
    check_not_pushed_down(ctx.appeal, unit)
    return {"unit": unit}


def _apply_redispatch(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal, unit = ctx.appeal, prepared["unit"]
    _set_unit(appeal, unit, appeal.current_unit)
    appeal.dispatch_count += 1
    details = _start_signing(appeal, ctx.at)
    _notify_new_work(appeal, unit, ctx.at)
    return Outcome(unit, details)


# 退单
def _dispatcher_of(appeal: Appeal, unit: Unit) -> Unit | None:
    """The unit that last sent the appeal to `unit`; None when the centre did."""
    sender = db.session.scalar(
        select(AppealEvent.unit_id)
        .where(AppealEvent.appeal_id == appeal.id, AppealEvent.target_unit_id == unit.id,
               AppealEvent.action.in_(("dispatch", "redispatch")))
        .order_by(AppealEvent.id.desc())
        .limit(1)
    )
    sender_unit = db.session.get(Unit, sender) if sender else None
    return None if sender_unit is None or sender_unit.is_centre else sender_unit


def _apply_return(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    appeal.return_count += 1
    if appeal.state == "accepted":
        _set_unit(appeal, None, None)
        appeal.co_units = []
        appeal.dispatched_at = appeal.sign_due_at = appeal.return_due_at = appeal.due_at = None
        stop_clock(appeal)
        return Outcome(None, {"return_count": appeal.return_count})
    parent = appeal.dispatched_by_unit
    _set_unit(appeal, parent, _dispatcher_of(appeal, parent))
    details = _start_signing(appeal, ctx.at)
    details["return_count"] = appeal.return_count
    notify(parent.id, "return", f"下级退回：{appeal.title}", appeal_id=appeal.id, link=f"/appeals/{appeal.id}",
           body=f"理由：{ctx.body.reason}", at=ctx.at)
    return Outcome(parent, details)


# 签收
def _apply_sign(ctx: ActionContext, prepared: dict) -> Outcome:
    ctx.appeal.signed_at = ctx.at
    _handling_clock(ctx.appeal)
    return Outcome()


# 联系市民: the first contact after the unit received it is what 响应率 measures.
def _apply_contact(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    first = appeal.first_contact_at is None
    if first:
        appeal.first_contact_at = ctx.at
    on_time = appeal.contact_due_at is None or ctx.at <= appeal.contact_due_at
    return Outcome(details={"method": ctx.body.method, "first": first, "on_time": on_time})


# 督办
def _prepare_supervise(ctx: ActionContext) -> dict:
    if ctx.appeal.supervision_level == "yellow" and ctx.body.level == "yellow":
        raise BadRequest("请求内容有误：level：已有黄牌督办，只能升级为红牌",
                         fields={"level": "已有黄牌督办，只能升级为红牌"})
    return {}


def _apply_supervise(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    issue_card(appeal, ctx.body.level, ctx.at)
    _notify_card(appeal, ctx.body.level, ctx.at, by=ctx.actor.display_name)
    return Outcome(details={"unit_id": appeal.current_unit_id})


def _notify_card(appeal: Appeal, level: str, at: datetime, by: str) -> None:
    card = CARD_LEVELS[level]
    link = f"/appeals/{appeal.id}"
    notify(appeal.current_unit_id, "supervise", f"{card}督办：{appeal.title}", appeal_id=appeal.id, link=link,
           body=f"{by}对工单 {appeal.number} 亮{card}督办，请尽快办理。", at=at)
    notify(appeal.escalated_to_unit_id, "supervise", f"下级单位被{card}督办：{appeal.title}", role="supervisor",
           appeal_id=appeal.id, link=link, at=at)


# 延期
def _prepare_extension(ctx: ActionContext) -> dict:
    limit = policy_for(ctx.appeal).extension_max_days
    if ctx.body.working_days > limit:
        raise BadRequest(f"请求内容有误：working_days：每次最多延期{limit}个工作日",
                         fields={"working_days": f"每次最多延期{limit}个工作日"})
    return {}


def _apply_request_extension(ctx: ActionContext, prepared: dict) -> Outcome:
    ctx.appeal.extensions.append(Extension(
        unit_id=ctx.appeal.current_unit_id, requested_by_id=ctx.actor.id, requested_at=ctx.at,
        working_days=ctx.body.working_days, reason=ctx.body.reason,
    ))
    unit = ctx.appeal.current_unit
    notify(unit.parent_id, "extension", f"延期申请：{ctx.appeal.title}", role="supervisor",
           appeal_id=ctx.appeal.id, link=f"/appeals/{ctx.appeal.id}", at=ctx.at,
           body=f"{unit.name}申请延期{ctx.body.working_days}个工作日：{ctx.body.reason}")
    return Outcome()


def _decide_extension(ctx: ActionContext, approved: bool) -> Extension:
    ext = ctx.appeal.pending_extension
    ext.status = "approved" if approved else "rejected"
    ext.decided_by_id, ext.decided_at, ext.decision_note = ctx.actor.id, ctx.at, ctx.body.note
    return ext


def _apply_approve_extension(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    ext = _decide_extension(ctx, True)
    ext.previous_due_at = appeal.due_at
    appeal.due_at = ext.new_due_at = due(Limit(working_days=ext.working_days), appeal.due_at)
    appeal.extension_count += 1
    _handling_clock(appeal)
    return Outcome(details={"working_days": ext.working_days, "due_at": appeal.due_at})


def _apply_reject_extension(ctx: ActionContext, prepared: dict) -> Outcome:
    ext = _decide_extension(ctx, False)
    return Outcome(details={"working_days": ext.working_days})


# 反馈 and its review
def _apply_reply(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal, body = ctx.appeal, ctx.body
    appeal.result = body.result
    appeal.reply_resolved = body.resolved
    appeal.public_reply = body.public_reply or body.result
    appeal.replied_at = ctx.at
    close_card(appeal)  # the reply closes an open 督办 card
    stop_clock(appeal)
    # The main unit's reply closes 联办; say whose part was still missing.
    missing = [c.unit.name for c in appeal.co_units if c.reported_at is None]
    return Outcome(details={"co_units_unreported": missing} if missing else None)


# 联办: a co-unit signs for and reports its part; the appeal's state does not move.
def _apply_co_sign(ctx: ActionContext, prepared: dict) -> Outcome:
    machine.co_part(ctx).signed_at = ctx.at
    return Outcome()


def _apply_co_report(ctx: ActionContext, prepared: dict) -> Outcome:
    part = machine.co_part(ctx)
    part.reported_at, part.report = ctx.at, ctx.body.result
    return Outcome()


def _apply_reject_reply(ctx: ActionContext, prepared: dict) -> Outcome:
    _handling_clock(ctx.appeal)
    return Outcome()


def _start_visit_clock(appeal: Appeal, at: datetime) -> dict:
    appeal.approved_at = at
    appeal.visit_due_at = due(policy_for(appeal).visit, at)
    start_clock(appeal, at, appeal.visit_due_at)
    return {"visit_due_at": appeal.visit_due_at}


def _apply_approve_reply(ctx: ActionContext, prepared: dict) -> Outcome:
    if ctx.body.public_reply:
        ctx.appeal.public_reply = ctx.body.public_reply
    queue_sms(ctx.appeal, "sms.replied")
    return Outcome(details=_start_visit_clock(ctx.appeal, ctx.at))


# 直接答复
def _apply_answer(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    appeal.result = appeal.public_reply = ctx.body.reply
    appeal.reply_resolved = "解决"
    appeal.replied_at = ctx.at
    queue_sms(appeal, "sms.replied")
    return Outcome(details=_start_visit_clock(appeal, ctx.at))


# 重办: back to the unit that handled it, or to the centre's queue if the centre answered.
def _reopen(appeal: Appeal, at: datetime) -> dict:
    appeal.reopen_count += 1
    appeal.visit_due_at = None
    if appeal.state == "accepted":
        stop_clock(appeal)
        return {"reopen_count": appeal.reopen_count}
    appeal.current_unit = appeal.main_unit
    appeal.escalated_to_unit_id = appeal.main_unit.parent_id
    appeal.due_at = due(policy_for(appeal).reopen, at)
    start_clock(appeal, at, appeal.due_at)
    notify(appeal.current_unit_id, "reopen", f"重办：{appeal.title}", appeal_id=appeal.id,
           link=f"/appeals/{appeal.id}", body=f"请于 {format_local(appeal.due_at)} 前重新办结。", at=at)
    return {"reopen_count": appeal.reopen_count, "due_at": appeal.due_at}


# 回访
def _apply_visit(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal, body = ctx.appeal, ctx.body
    appeal.visited_at = ctx.at
    appeal.satisfaction = body.satisfaction or UNRATED
    appeal.resolved = body.resolved
    if not body.reached:
        queue_sms(appeal, "sms.visit_missed")
    if appeal.state == "auditing":
        stop_clock(appeal)
        return Outcome()
    return Outcome(appeal.main_unit, _reopen(appeal, ctx.at))


# 监督
def _apply_audit(ctx: ActionContext, prepared: dict) -> Outcome:
    appeal = ctx.appeal
    if appeal.state == "evaluated":
        appeal.closed_at = ctx.at
        stop_clock(appeal)
        queue_sms(appeal, "sms.closed")
        return Outcome()
    return Outcome(appeal.main_unit, _reopen(appeal, ctx.at))


# 并单 and 无效
def _prepare_merge(ctx: ActionContext) -> dict:
    master = db.session.scalar(select(Appeal).where(Appeal.number == ctx.body.master_number))
    problem = None
    if master is None:
        problem = "没有这个工单"
    elif master.id == ctx.appeal.id:
        problem = "不能并入自身"
    elif master.state in machine.FINAL_STATES:
        problem = f"主工单已{machine.STATES[master.state]}，只能并入未办结的工单"
    if problem:
        raise BadRequest(f"请求内容有误：master_number：{problem}", fields={"master_number": problem})
    return {"master": master}


def _close(appeal: Appeal, at: datetime) -> None:
    appeal.closed_at = at
    stop_clock(appeal)


def _apply_merge(ctx: ActionContext, prepared: dict) -> Outcome:
    ctx.appeal.merged_into = prepared["master"]
    _close(ctx.appeal, ctx.at)
    return Outcome(details={"master_id": prepared["master"].id})


def _apply_void(ctx: ActionContext, prepared: dict) -> Outcome:
    ctx.appeal.void_reason = ctx.body.reason
    _close(ctx.appeal, ctx.at)
    return Outcome()


SPECS: dict[str, ActionSpec] = {
    "dispatch": ActionSpec(schemas.DispatchBody, _apply_dispatch, _prepare_dispatch),
    "answer": ActionSpec(schemas.AnswerBody, _apply_answer),
    "merge": ActionSpec(schemas.MergeBody, _apply_merge, _prepare_merge),
    "void": ActionSpec(schemas.VoidBody, _apply_void),
    "redispatch": ActionSpec(schemas.RedispatchBody, _apply_redispatch, _prepare_redispatch),
    "return": ActionSpec(schemas.ReturnBody, _apply_return),
    "sign": ActionSpec(schemas.ActionBody, _apply_sign),
    "contact": ActionSpec(schemas.ContactBody, _apply_contact),
    "supervise": ActionSpec(schemas.SuperviseBody, _apply_supervise, _prepare_supervise),
    "request_extension": ActionSpec(schemas.ExtensionRequestBody, _apply_request_extension,
                                    _prepare_extension),
    "approve_extension": ActionSpec(schemas.ActionBody, _apply_approve_extension),
    "reject_extension": ActionSpec(schemas.ActionBody, _apply_reject_extension),
    "reply": ActionSpec(schemas.ReplyBody, _apply_reply),
    "co_sign": ActionSpec(schemas.ActionBody, _apply_co_sign),
    "co_report": ActionSpec(schemas.CoReportBody, _apply_co_report),
    "reject_reply": ActionSpec(schemas.RejectReplyBody, _apply_reject_reply),
    "approve_reply": ActionSpec(schemas.ApproveReplyBody, _apply_approve_reply),
    "visit": ActionSpec(schemas.VisitBody, _apply_visit),
    "audit": ActionSpec(schemas.AuditBody, _apply_audit),
}
assert set(SPECS) == set(ACTIONS), "every action of the machine needs a spec"
