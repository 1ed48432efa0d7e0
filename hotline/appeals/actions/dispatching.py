"""The centre's intake desk and the units' hand-over: 派单, 转派, 退单 and its review
(派单异议审核), and the ways an appeal is closed before any unit handles it (直接答复, 并单,
无效)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Self

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import Select, String, bindparam, select

from hotline.appeals import effects
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import assign, chosen_unit, close, start_signing, start_visit_clock
from hotline.appeals.deadlines import (
    due,
    policy_for,
    return_review_limit,
    start_clock,
    start_desk_clock,
    start_dispatch_clock,
)
from hotline.appeals.guards import MAX_RETURNS, ActionContext
from hotline.appeals.models import Appeal, AppealCoUnit, AppealEvent, PoliceHandover
from hotline.appeals.schemas import POLICE_INCIDENT
from hotline.appeals.similar import MERGEABLE_STATES, REPEATABLE_STATES
from hotline.appeals.states import Act, State
from hotline.core.clock import local_date
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.validation import FieldErrors, Id, invalid
from hotline.core.vocabulary import VOID_REASONS, VoidReason
from hotline.grid.models import Unit
from hotline.grid.responsibility import centre_area_id, check_not_pushed_down
from hotline.knowledge import operations as knowledge


@functools.cache
def dispatch_targets() -> Select[tuple[Unit]]:
    """Where the centre may send an appeal: the active units of its own jurisdiction (the
    area the centre sits in and everything below it), never the centre itself; none when
    there is no centre. The area's path is a subquery, so that checking one unit is one
    statement; the statement is built once."""
    area = select(Unit.path).where(Unit.id == centre_area_id().scalar_subquery()).scalar_subquery()
    return select(Unit).where(Unit.active, Unit.kind != "centre", Unit.subtree_clause(area)).order_by(Unit.path)


@functools.cache
def redispatch_targets() -> Select[tuple[Unit]]:
    """Where a unit may pass an appeal on (转派): the active units below it, the unit named
    by the parameters `below(unit)` gives. The statement is built once."""
    path = bindparam("from_path", type_=String())
    return (
        select(Unit)
        .where(Unit.active, Unit.subtree_clause(path), Unit.id != bindparam("from_unit_id"))
        .order_by(Unit.path)
    )


def below(unit: Unit) -> dict[str, Any]:
    """redispatch_targets' parameters for `unit`."""
    return {"from_path": unit.path, "from_unit_id": unit.id}


def _current_unit(ctx: ActionContext) -> Unit:
    unit = ctx.appeal.current_unit
    assert unit is not None, "CURRENT_UNIT guards the units' actions"
    return unit


# 派单
class DispatchBody(ActionBody):
    unit_id: Id = Field(description="主办单位")
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10, description="协办单位")


NOT_OURS = "只能派给本热线辖区内的单位"


def _prepare_dispatch(ctx: ActionContext) -> Prepared:
    targets = dispatch_targets()
    unit = chosen_unit(targets, ctx.body.unit_id, "unit_id", NOT_OURS)
    check_not_pushed_down(ctx.appeal.category, ctx.appeal.place_unit_id, unit)
    co_ids = list(dict.fromkeys(ctx.body.co_unit_ids))
    if unit.id in co_ids:
        raise invalid("co_unit_ids", "主办单位不能同时是协办单位")
    return {"unit": unit, "co_units": [chosen_unit(targets, i, "co_unit_ids", NOT_OURS) for i in co_ids]}


def _apply_dispatch(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, unit = ctx.appeal, prepared["unit"]
    assign(appeal, unit, None)
    appeal.dispatch_count += 1
    appeal.designated = appeal.return_count >= MAX_RETURNS
    appeal.co_units = [AppealCoUnit(unit=u) for u in prepared["co_units"]]
    details = start_signing(appeal, ctx.at)
    appeal.due_at = due(policy_for(appeal).handle, ctx.at)
    details.update(due_at=appeal.due_at, designated=appeal.designated, co_unit_ids=[u.id for u in prepared["co_units"]])
    effects.new_work(appeal, unit, ctx.at)
    for co in prepared["co_units"]:
        effects.new_co_work(appeal, co, ctx.at)
    return Outcome(unit, details)


def _dispatch_form(ctx: ActionContext) -> dict[str, Any]:
    return {"units": list(db.session.scalars(dispatch_targets()))}


DISPATCH = Action(Act.DISPATCH, DispatchBody, _apply_dispatch, _prepare_dispatch, _dispatch_form)


# 转派
class RedispatchBody(ActionBody):
    unit_id: Id = Field(description="下级单位")


def _prepare_redispatch(ctx: ActionContext) -> Prepared:
    targets, here = redispatch_targets(), below(_current_unit(ctx))
    unit = chosen_unit(targets, ctx.body.unit_id, "unit_id", "只能转派给本单位的下级单位", here)
    check_not_pushed_down(ctx.appeal.category, ctx.appeal.place_unit_id, unit)
    return {"unit": unit}


def _apply_redispatch(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, unit = ctx.appeal, prepared["unit"]
    assign(appeal, unit, appeal.current_unit)
    appeal.dispatch_count += 1
    details = start_signing(appeal, ctx.at)
    effects.new_work(appeal, unit, ctx.at)
    return Outcome(unit, details)


def _redispatch_form(ctx: ActionContext) -> dict[str, Any]:
    """The units below, marking those where the problem is (its community and grid)."""
    current, place = _current_unit(ctx), ctx.appeal.place_unit
    chain = [*db.session.scalars(place.ancestors_query()), place] if place is not None else []
    return {
        "units": list(db.session.scalars(redispatch_targets(), below(current))),
        "place_below": {u.id for u in chain if current.is_ancestor_of(u)},
    }


REDISPATCH = Action(Act.REDISPATCH, RedispatchBody, _apply_redispatch, _prepare_redispatch, _redispatch_form)


# 退单
class ReturnBody(ActionBody):
    reason: str = Field(min_length=1, max_length=500, description="退单理由")
    basis: str = Field(min_length=1, max_length=500, description="退单依据（如确责清单条目）")


def _dispatcher_of(appeal: Appeal, unit: Unit) -> Unit | None:
    """The unit that last sent the appeal to `unit`; None when the centre did."""
    sender = db.session.scalar(
        select(AppealEvent.unit_id)
        .where(
            AppealEvent.appeal_id == appeal.id,
            AppealEvent.target_unit_id == unit.id,
            AppealEvent.action.in_((Act.DISPATCH, Act.REDISPATCH)),
        )
        .order_by(AppealEvent.id.desc())
        .limit(1)
    )
    sender_unit = db.session.get(Unit, sender) if sender else None
    return None if sender_unit is None or sender_unit.is_centre else sender_unit


def _apply_return(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    if appeal.state != State.RETURNING:  # not reviewed (HOTLINE_RETURN_REVIEW off)
        outcome = _hand_back(appeal, ctx.at)
        if outcome.target_unit is not None:
            effects.returned(appeal, outcome.target_unit, ctx.body.reason, ctx.at)
        return outcome
    # 派单异议审核: whoever dispatched it holds it while they decide, on a clock of their own;
    # the returning unit stays its main unit until then.
    reviewer = appeal.dispatched_by_unit
    appeal.current_unit = reviewer
    appeal.escalated_to_unit_id = reviewer.parent_id if reviewer is not None else None
    limit = return_review_limit()
    assert limit is not None, "RETURNS_REVIEWED chose this transition"
    review_due = due(limit, ctx.at)
    start_desk_clock(appeal, ctx.at, review_due)
    if reviewer is not None:
        effects.return_requested(appeal, reviewer, ctx.body.reason, ctx.at)
    return Outcome(reviewer, {"review_due_at": review_due})


def _hand_back(appeal: Appeal, at: datetime) -> Outcome:
    """The return stands: the appeal goes back to whoever dispatched it, counted."""
    appeal.return_count += 1
    parent = appeal.dispatched_by_unit
    if appeal.state == State.ACCEPTED or parent is None:
        assign(appeal, None, None)
        appeal.co_units = []
        appeal.dispatched_at = appeal.sign_due_at = appeal.return_due_at = appeal.due_at = None
        return Outcome(None, {"return_count": appeal.return_count, **start_dispatch_clock(appeal, at)})
    assign(appeal, parent, _dispatcher_of(appeal, parent))
    details = start_signing(appeal, at)
    details["return_count"] = appeal.return_count
    return Outcome(parent, details)


def _return_form(ctx: ActionContext) -> dict[str, Any]:
    """The return form says how long the reviewer has (nothing when returns are not reviewed)."""
    limit = return_review_limit()
    return {"review": str(limit) if limit is not None else None}


RETURN = Action(Act.RETURN, ReturnBody, _apply_return, form_context=_return_form)


# 同意退单 / 驳回退单: the reviewer's answer to the return it holds.
def _return_request(ctx: ActionContext) -> dict[str, Any]:
    """The pending return: who asked, when, why, on what basis (the latest return event)."""
    event = db.session.scalar(
        select(AppealEvent)
        .where(AppealEvent.appeal_id == ctx.appeal.id, AppealEvent.action == Act.RETURN)
        .order_by(AppealEvent.id.desc())
        .limit(1)
    )
    return {"request": event, "returning_unit": ctx.appeal.main_unit}


def _apply_approve_return(ctx: ActionContext, prepared: Prepared) -> Outcome:
    returning = ctx.appeal.main_unit
    assert returning is not None, "a unit returned it"
    outcome = _hand_back(ctx.appeal, ctx.at)
    effects.return_reviewed(ctx.appeal, returning, approved=True, reason=ctx.body.note, at=ctx.at)
    # The returning unit keeps this answer in its part of the timeline (visibility.Part).
    return Outcome(outcome.target_unit, {**(outcome.details or {}), "returned_by_unit_id": returning.id})


APPROVE_RETURN = Action(Act.APPROVE_RETURN, ActionBody, _apply_approve_return, form_context=_return_request)


class RejectReturnBody(ActionBody):
    reason: str = Field(min_length=1, max_length=500, description="驳回理由")
    basis: str = Field(min_length=1, max_length=500, description="驳回依据（如确责清单条目、职责文件）")


def _apply_reject_return(ctx: ActionContext, prepared: Prepared) -> Outcome:
    """Back to the unit that returned it, its clocks running as if it had never returned it
    (the review's time was its own), and no second return."""
    appeal = ctx.appeal
    unit = appeal.main_unit
    assert unit is not None and appeal.dispatched_at and appeal.sign_due_at, "a dispatched unit returned it"
    appeal.current_unit = unit
    appeal.escalated_to_unit_id = unit.parent_id
    appeal.return_rejected_at = ctx.at
    start_clock(appeal, appeal.dispatched_at, appeal.sign_due_at)
    effects.return_reviewed(appeal, unit, approved=False, reason=ctx.body.reason, at=ctx.at)
    return Outcome(unit, {"sign_due_at": appeal.sign_due_at})


REJECT_RETURN = Action(Act.REJECT_RETURN, RejectReturnBody, _apply_reject_return, form_context=_return_request)


# 直接答复
class AnswerBody(ActionBody):
    knowledge_entry_id: Id | None = Field(None, description="答复所依据的知识库条目（已发布、在有效期内）")
    reply: str | None = Field(
        None, min_length=1, max_length=2000, description="答复内容；选了知识库条目时可省略，即用其答复口径"
    )

    @model_validator(mode="after")
    def _reply_or_entry(self):
        if not self.reply and self.knowledge_entry_id is None:
            raise FieldErrors({"reply": "请填写答复内容，或选择一条知识库条目"})
        return self


def _prepare_answer(ctx: ActionContext) -> Prepared:
    if ctx.body.knowledge_entry_id is None:
        return {}
    entry = knowledge.answering_entry(ctx.body.knowledge_entry_id, local_date(ctx.at))
    place = ctx.appeal.place_unit
    if entry.area is not None and place is not None and not entry.area.contains(place):
        problem = f"该条目只适用于{entry.area.name}，诉求地点在{place.name}"
        raise invalid("knowledge_entry_id", problem)
    return {"entry": entry}


def _apply_answer(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    entry = prepared.get("entry")
    appeal.result = appeal.public_reply = ctx.body.reply or (entry.answer if entry is not None else "")
    appeal.reply_resolved = "解决"
    appeal.replied_at = ctx.at
    details = start_visit_clock(appeal, ctx.at)
    if entry is not None:
        appeal.knowledge_entry_id, appeal.knowledge_version = entry.id, entry.version
        knowledge.record_answer(entry)
        details |= {"knowledge_entry_id": entry.id, "knowledge_version": entry.version}
    effects.text_citizen(appeal, "sms.replied")
    return Outcome(details=details)


def _answer_form(ctx: ActionContext) -> dict[str, Any]:
    """Entries that may answer it: those matching its title, for its place."""
    return {"knowledge": knowledge.suggestions(ctx.appeal.title, ctx.appeal.place_unit_id, ctx.user)}


ANSWER = Action(Act.ANSWER, AnswerBody, _apply_answer, _prepare_answer, form_context=_answer_form)


# 并单 and 关联重复件: the earlier appeal is named by its number or its id (the similar-appeal
# suggestions give ids).
class MasterBody(ActionBody):
    master_number: str | None = Field(None, min_length=16, max_length=16, description="主工单编号")
    master_id: Id | None = Field(None, description="主工单 id（与编号二选一）")

    @model_validator(mode="after")
    def _one(self):
        if self.master_number is None and self.master_id is None:
            raise FieldErrors({"master_number": "请填写主工单编号"})
        return self


def _master(ctx: ActionContext, allowed: frozenset[State], refusal: str) -> Appeal:
    by = Appeal.id == ctx.body.master_id if ctx.body.master_id else Appeal.number == ctx.body.master_number
    master = db.session.scalar(select(Appeal).where(by))
    field = "master_id" if ctx.body.master_id else "master_number"
    problem = None
    if master is None:
        problem = "没有这个工单"
    elif master.id == ctx.appeal.id:
        problem = "不能是本工单自身"
    elif master.state not in allowed:
        problem = refusal.format(state=State(master.state).label)
    if problem:
        raise BadRequest(f"请求内容有误：{field}：{problem}", fields={field: problem})
    assert master is not None
    return master


def _prepare_merge(ctx: ActionContext) -> Prepared:
    refusal = "主工单当前为「{state}」，只能并入尚未反馈的工单；已反馈或办结的请关联为重复件"
    return {"master": _master(ctx, MERGEABLE_STATES, refusal)}


def _apply_merge(ctx: ActionContext, prepared: Prepared) -> Outcome:
    master = prepared["master"]
    ctx.appeal.merged_into = master
    close(ctx.appeal, ctx.at)
    return Outcome(details={"master_id": master.id, "master_number": master.number})


MERGE = Action(Act.MERGE, MasterBody, _apply_merge, _prepare_merge)


# 关联重复件: the same problem as an appeal already answered; this one is handled all the
# same (and counted as a repeat, 重复诉求率).
def _prepare_link_repeat(ctx: ActionContext) -> Prepared:
    if ctx.appeal.repeat_of_id is not None:
        problem = "本工单已关联重复件"
        raise invalid("master_number", problem)
    refusal = "该工单当前为「{state}」：尚未反馈的请并单，已并单或无效的不能关联"
    return {"master": _master(ctx, REPEATABLE_STATES, refusal)}


def _apply_link_repeat(ctx: ActionContext, prepared: Prepared) -> Outcome:
    master = prepared["master"]
    ctx.appeal.repeat_of = master
    return Outcome(details={"master_id": master.id, "master_number": master.number})


LINK_REPEAT = Action(Act.LINK_REPEAT, MasterBody, _apply_link_repeat, _prepare_link_repeat)


# 无效 / 转110
class VoidBody(ActionBody):
    """无效: why; a 转110 is the hand-over record itself (国办发〔2022〕12号): the 110 desk
    that took the call, the incident number it gave, when, and why (the note)."""

    reason: VoidReason = Field(title="无效原因")
    police_desk: str | None = Field(None, max_length=50, title="110接警席位", description="转110时：接收的接警员或席位")
    police_incident: str | None = Field(
        None, pattern=POLICE_INCIDENT, title="110警情编号", description="转110时：110回执的警情编号"
    )
    handed_at: AwareDatetime | None = Field(None, title="转接时间", description="转110时：缺省为现在")

    @model_validator(mode="after")
    def _handover(self) -> Self:
        handover = ("police_desk", "police_incident", "note")
        if self.reason == "转110":
            missing = {name: "转110时必填" for name in handover if not getattr(self, name)}
            if missing:
                raise FieldErrors(missing)
        elif self.police_desk or self.police_incident or self.handed_at:
            raise FieldErrors({"reason": "只有转110才填写110转接信息"})
        return self


def _prepare_void(ctx: ActionContext) -> Prepared:
    handed_at = ctx.body.handed_at
    if handed_at is not None and not ctx.appeal.received_at <= handed_at <= ctx.at:
        refusal = "应在受理之后、现在之前"
        raise BadRequest(f"请求内容有误：转接时间：{refusal}", fields={"handed_at": refusal})
    return {}


def _apply_void(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, body = ctx.appeal, ctx.body
    appeal.void_reason = body.reason
    close(appeal, ctx.at)
    if body.reason == "转110":
        appeal.police_incident = body.police_incident
        appeal.police_handovers.append(
            PoliceHandover(
                direction="to_110",
                incident_number=body.police_incident,
                handed_at=body.handed_at or ctx.at,
                desk=body.police_desk,
                reason=body.note,
                receipt_at=ctx.at,
                recorded_by_id=ctx.user.id,
            )
        )
    return Outcome()


VOID = Action(Act.VOID, VoidBody, _apply_void, _prepare_void, lambda ctx: {"reasons": VOID_REASONS})
