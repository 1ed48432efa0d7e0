"""What several actions do alike: hand the appeal to a unit, start or stop a step's clocks,
reopen it (重办), close it."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam

from hotline.appeals import effects
from hotline.appeals.deadlines import contact_limit, due, policy_for, start_clock, start_dispatch_clock, stop_clock
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal, Contest, Extension, Pause
from hotline.appeals.states import State
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.grid.models import Unit


def decide(request: Extension | Pause | Contest, status: str, ctx: ActionContext, note: str | None = None) -> None:
    """The answer to a unit's request (延期, 挂起, 申诉): approved, rejected or, when the unit
    replied first, withdrawn (by nobody, with `note` saying why)."""
    request.status, request.decided_at = status, ctx.at
    request.decided_by_id = ctx.user.id if status != "withdrawn" else None
    request.decision_note = note if status == "withdrawn" else ctx.body.note


def chosen_unit(
    targets: Select[tuple[Unit]], unit_id: int, field: str, refusal: str, parameters: dict[str, Any] | None = None
) -> Unit:
    """The unit `unit_id` if it is one of `targets` (one statement, built once: give a
    statement that lives as long as the process, with its `parameters`); 400 on `field`
    otherwise, saying why."""
    chosen = db.session.scalar(_one_of(targets), {**(parameters or {}), "chosen_unit_id": unit_id})
    if chosen is not None:
        return chosen
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active:
        refusal = "没有这个单位"
    elif unit.is_centre:
        refusal = "不能派给热线中心"
    raise BadRequest(f"请求内容有误：{field}：{refusal}", fields={field: refusal})


@functools.lru_cache(maxsize=8)  # bounded: a statement built per call would only miss
def _one_of(targets: Select[tuple[Unit]]) -> Select[tuple[Unit]]:
    """`targets` narrowed to one unit by a bound id, made once per targets statement:
    narrowed with the id itself, the statement was new on every call, and working out its
    cache key cost as much as a dispatch's other reads together."""
    return targets.where(Unit.id == bindparam("chosen_unit_id"))


def assign(appeal: Appeal, unit: Unit | None, dispatched_by: Unit | None) -> None:
    appeal.current_unit = unit
    appeal.main_unit = unit
    appeal.dispatched_by_unit = dispatched_by
    appeal.escalated_to_unit_id = unit.parent_id if unit else None


def start_signing(appeal: Appeal, at: datetime) -> dict[str, Any]:
    """A unit received the appeal: its sign and return clocks start now."""
    policy = policy_for(appeal)
    appeal.dispatched_at = at
    appeal.signed_at = None
    appeal.sign_due_at = due(policy.sign, at)
    appeal.return_due_at = due(policy.return_window, at)
    appeal.first_contact_at = None  # the new unit must contact the citizen itself
    appeal.return_rejected_at = None  # and may return it (within its window)
    appeal.contact_due_at = due(contact_limit(appeal), at)
    start_clock(appeal, at, appeal.sign_due_at)
    return {
        "sign_due_at": appeal.sign_due_at,
        "return_due_at": appeal.return_due_at,
        "contact_due_at": appeal.contact_due_at,
    }


def handling_clock(appeal: Appeal) -> None:
    assert appeal.dispatched_at is not None and appeal.due_at is not None, "only a dispatched appeal is handled"
    start_clock(appeal, appeal.dispatched_at, appeal.due_at)


def start_visit_clock(appeal: Appeal, at: datetime) -> dict[str, Any]:
    appeal.approved_at = at
    appeal.visit_attempts, appeal.last_visit_attempt_at = 0, None  # this round's calls
    appeal.visit_due_at = due(policy_for(appeal).visit, at)
    start_clock(appeal, at, appeal.visit_due_at)
    return {"visit_due_at": appeal.visit_due_at}


def reopen(appeal: Appeal, at: datetime) -> dict[str, Any]:
    """重办: back to the unit that handled it, or to the centre's queue if the centre answered."""
    appeal.reopen_count += 1
    appeal.visit_due_at = None
    appeal.audit_reason, appeal.check_unit, appeal.checked_at = None, None, None  # a new round
    if appeal.state == State.ACCEPTED or appeal.main_unit is None:
        return {"reopen_count": appeal.reopen_count, **start_dispatch_clock(appeal, at)}
    appeal.current_unit = appeal.main_unit
    appeal.escalated_to_unit_id = appeal.main_unit.parent_id
    appeal.due_at = due(policy_for(appeal).reopen, at)
    start_clock(appeal, at, appeal.due_at)
    effects.reopened(appeal, at)
    return {"reopen_count": appeal.reopen_count, "due_at": appeal.due_at}


def close(appeal: Appeal, at: datetime) -> None:
    appeal.closed_at = at
    stop_clock(appeal)
