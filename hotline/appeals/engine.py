"""`perform`: the one way an action changes an appeal.

One transaction finds the appeal (404 if the user may not see it), checks the version the
user saw, asks the machine whether this user may take the action now (403/409), validates
the body (400), runs the action's checks, fires the transition, applies the action's
effect, writes the append-only event and bumps the optimistic-locking version. On any
error nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from blinker import Namespace
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import attributes

from hotline.appeals import machine, timeline
from hotline.appeals.actions import ACTIONS
from hotline.appeals.actions.base import Outcome
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal, Pause
from hotline.appeals.states import FINAL_STATES, Act
from hotline.appeals.visibility import find_appeal, record_closed, record_reach
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.db import ConcurrentUpdate, inserts_together, update_as_loaded, write_transaction
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.validation import validate
from hotline.grid.models import Unit

STALE = "工单已被他人更新（您看到的是旧版本），请刷新后重试"
RESUME_BATCH = 1000  # pauses ended per run; the rest next minute
# Sent with the appeal inside every action's transaction, after its change, so that a
# feature above this one keeps what it derives in the same commit (the assessment stores
# an evaluated appeal's contribution).
changed = Namespace().signal("appeal-changed")


def action_named(name: str) -> Act:
    """The action of that name; 404 for a name the machine does not know."""
    try:
        return Act(name)
    except ValueError:
        raise NotFound(f"没有「{name}」这个操作") from None


def perform(
    ref: int | str,
    action: str,
    data: Mapping[str, Any],
    actor: User,
    *,
    at: datetime | None = None,
    attach: Callable[[Appeal], None] | None = None,
) -> Appeal:
    """Take `action` on the appeal as `actor`. 404 if the user cannot see it or there is no
    such action, 409 if the state or a rule forbids it or someone else changed it first,
    403 if the user may not take it, 400 if the body is wrong. `attach(appeal)` adds rows of
    the caller's own (the photos taken for it) in the same transaction."""
    return _perform(lambda: find_appeal(ref, actor, whole=True), action_named(action), data, actor, at or now(), attach)


def perform_as_citizen(
    find: Callable[[], Appeal], action: Act, data: Mapping[str, Any], *, at: datetime | None = None
) -> Appeal:
    """Take `action` as the citizen who holds the appeal's number and 查询码 (`find` looks it
    up, 404 otherwise): the same checks, transaction and event as any action, with no
    account behind it (the machine's role guards let only the citizen's own actions pass)."""
    return _perform(find, action, data, None, at or now())


def _perform(
    find: Callable[[], Appeal],
    act: Act,
    data: Mapping[str, Any],
    actor: User | None,
    at: datetime,
    attach: Callable[[Appeal], None] | None = None,
) -> Appeal:
    record = ACTIONS[act]
    try:
        with write_transaction(db.session):
            appeal = find()
            seen_version = _seen_version(data)
            if seen_version is not None and seen_version != appeal.version:
                raise Conflict(STALE, state=appeal.state, version=appeal.version)
            ctx = ActionContext(appeal, actor, at)
            machine.check(act, ctx)
            ctx.body = validate(record.body, data)
            prepared = record.prepare(ctx)
            from_state = appeal.state
            held_by = appeal.current_unit_id
            # The appeal's one UPDATE (one version), its events and the notices and texts
            # they send go in as one statement on PostgreSQL when the block ends.
            with db.session.no_autoflush, inserts_together(db.session):
                machine.fire(act, ctx)
                outcome = record.apply(ctx, prepared)
                if reached := [u for u in _newly_holding(appeal, outcome.target_unit) if u.id != held_by]:
                    record_reach(appeal.id, reached)
                _log(appeal, act, from_state, at, actor, ctx.body, outcome)
                if outcome.then is not None:
                    _by_itself(appeal, *outcome.then, at)
                # No transition leaves a final state (test_machine_never_leaves_a_final_state):
                # a closed appeal's open reach rows never have to come back.
                if appeal.state in FINAL_STATES and from_state not in FINAL_STATES:
                    record_closed(appeal.id)
                update_as_loaded(db.session, appeal)
            if attach is not None:
                attach(appeal)
            changed.send(appeal, at=at)
    except ConcurrentUpdate:
        raise Conflict(STALE) from None
    return appeal


def _log(
    appeal: Appeal, act: Act, from_state: str, at: datetime, actor: User | None, body: BaseModel, outcome: Outcome
) -> None:
    """The action's event, with what its body said and its effect reported."""
    timeline.record(
        appeal,
        str(act),
        at,
        actor,
        from_state=from_state,
        target_unit_id=outcome.target_unit.id if outcome.target_unit else None,
        note=getattr(body, "note", None),
        payload=_payload(body, outcome.details),
    )


def resume_due_pauses(at: datetime | None = None) -> int:
    """Pauses whose resume day has come end by themselves (the `pause-resume` job): each
    appeal takes the machine's resume transition with the time it had left, in one
    transaction; if someone changed one of them meanwhile, the next run does them all."""
    at = at or now()
    try:
        return _resume_due_pauses(at)
    except ConcurrentUpdate:
        return 0


def _resume_due_pauses(at: datetime) -> int:
    resumed = 0
    with write_transaction(db.session):
        due = db.session.scalars(
            select(Pause)
            .where(Pause.status == "active", Pause.resume_at <= at)
            .order_by(Pause.resume_at)
            .limit(RESUME_BATCH)
        ).all()
        for pause in due:
            with db.session.no_autoflush:
                _by_itself(pause.appeal, Act.RESUME, {}, at)
            resumed += 1
    return resumed


def _by_itself(appeal: Appeal, act: Act, data: dict[str, Any], at: datetime) -> None:
    """A step the system takes on its own (a pause ending on its day, 监督 passed when not
    drawn): no person's role or rule applies, the machine's branch guards pick the
    transition, and its event has no actor and says `auto`."""
    record = ACTIONS[act]
    ctx = ActionContext(appeal, None, at, body=validate(record.body, data))
    from_state = appeal.state
    appeal.state = machine.branch_taken(act, ctx).dest
    outcome = record.apply(ctx, record.prepare(ctx))
    _log(appeal, act, from_state, at, None, ctx.body, Outcome(details={**(outcome.details or {}), "auto": True}))


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
