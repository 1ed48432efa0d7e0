"""`perform`: the one way an action changes an appeal.

One transaction finds the appeal (404 if the user may not see it), checks the version the
user saw, asks the machine whether this user may take the action now (403/409), validates
the body (400), runs the action's checks, fires the transition, applies the action's
effect, writes the append-only event and bumps the optimistic-locking version. On any
error nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import attributes

from hotline.appeals import machine
from hotline.appeals.actions import ACTIONS
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.states import FINAL_STATES, Act
from hotline.appeals.visibility import find_appeal, record_closed, record_reach
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.db import ConcurrentUpdate, write_transaction
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.validation import validate
from hotline.grid.models import Unit

STALE = "工单已被他人更新（您看到的是旧版本），请刷新后重试"


def action_named(name: str) -> Act:
    """The action of that name; 404 for a name the machine does not know."""
    try:
        return Act(name)
    except ValueError:
        raise NotFound(f"没有「{name}」这个操作") from None


def perform(ref: int | str, action: str, data: Mapping[str, Any], actor: User, *, at: datetime | None = None) -> Appeal:
    """Take `action` on the appeal as `actor`. 404 if the user cannot see it or there is no
    such action, 409 if the state or a rule forbids it or someone else changed it first,
    403 if the user may not take it, 400 if the body is wrong."""
    act = action_named(action)
    record = ACTIONS[act]
    at = at or now()
    try:
        with write_transaction(db.session):
            appeal = find_appeal(ref, actor)
            seen_version = _seen_version(data)
            if seen_version is not None and seen_version != appeal.version:
                raise Conflict(STALE, state=appeal.state, version=appeal.version)
            ctx = ActionContext(appeal, actor, at)
            machine.check(act, ctx)
            ctx.body = validate(record.body, data)
            prepared = record.prepare(ctx)
            from_state = appeal.state
            held_by = appeal.current_unit_id
            with db.session.no_autoflush:  # one UPDATE, so one version per action
                machine.fire(act, ctx)
                outcome = record.apply(ctx, prepared)
                if reached := [u for u in _newly_holding(appeal, outcome.target_unit) if u.id != held_by]:
                    record_reach(appeal.id, reached)
                # No transition leaves a final state (test_machine_never_leaves_a_final_state):
                # a closed appeal's open reach rows never have to come back.
                if appeal.state in FINAL_STATES and from_state not in FINAL_STATES:
                    record_closed(appeal.id)
            appeal.updated_at = at
            attributes.flag_modified(appeal, "updated_at")  # every action bumps the version
            db.session.add(
                AppealEvent(
                    appeal_id=appeal.id,
                    at=at,
                    actor_id=actor.id,
                    unit_id=actor.unit_id,
                    action=str(act),
                    from_state=from_state,
                    to_state=appeal.state,
                    target_unit_id=outcome.target_unit.id if outcome.target_unit else None,
                    note=ctx.body.note,
                    payload=_payload(ctx.body, outcome.details),
                )
            )
    except ConcurrentUpdate:
        raise Conflict(STALE) from None
    return appeal


def _newly_holding(appeal: Appeal, target: Unit | None) -> list[Unit]:
    """The units the action may have sent the appeal to: its current unit, the action's
    target and co-units it added (read from the change, without loading the co-units)."""
    added = attributes.get_history(appeal, "co_units", passive=attributes.PASSIVE_NO_INITIALIZE).added
    return [u for u in (appeal.current_unit, target, *(c.unit for c in added)) if u is not None]


def _seen_version(data: Any) -> int | None:
    """The version the caller saw, checked before anything else (validated again with the body)."""
    value = data.get("version") if isinstance(data, Mapping) else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _payload(body: BaseModel, details: dict[str, Any] | None) -> dict[str, Any]:
    payload = body.model_dump(mode="json", exclude_none=True, exclude={"note", "version"})
    if details:
        payload.update({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in details.items()})
    return payload
