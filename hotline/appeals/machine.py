"""The appeal state machine, as data.

TRANSITIONS below is the whole lifecycle. It feeds ONE module-level `transitions` Machine
(model=None: appeals are never added to it; events are fired on the appeal passed in) and
the generated diagram in docs/workflow.md. The guards are in hotline.appeals.guards; what
each action does is its record in hotline.appeals.actions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from transitions import Machine

from hotline.appeals.guards import (
    AUDIT_FAILED_CENTRE,
    AUDIT_FAILED_UNIT,
    AUDIT_PASSED,
    AWAITING_CHECK,
    BY_CENTRE,
    BY_UNIT,
    CARD_NOT_RED,
    CARD_OPEN,
    CENTRE_INTAKE,
    CENTRE_OPERATOR,
    CENTRE_REVIEWER,
    CENTRE_SUPERVISOR,
    CENTRE_VISITOR,
    CHECK_FAILED,
    CHECKER,
    CITIZEN,
    CO_NOT_REPORTED,
    CO_NOT_SIGNED,
    CO_SIGNED,
    CO_UNIT,
    CURRENT_UNIT,
    EXTENSION_APPROVER,
    HAS_UNITS_BELOW,
    IN_CONTEST_WINDOW,
    IN_RETURN_WINDOW,
    MAIN_UNIT_HANDLER,
    NO_PENDING_CONTEST,
    NO_PENDING_EXTENSION,
    NO_PENDING_PAUSE,
    NOT_EXCLUDED,
    NOT_SIGNED,
    NOT_YET_RATED,
    PAUSE_HOLDER,
    PENDING_CONTEST,
    PENDING_EXTENSION,
    PENDING_PAUSE,
    REOPEN_AT_CENTRE,
    REOPEN_AT_UNIT,
    RETURN_NOT_REJECTED,
    RETURN_REVIEWER,
    RETURNS_LEFT,
    RETURNS_REVIEWED,
    RETURNS_UNREVIEWED,
    SIGNED,
    SUPERVISOR_ABOVE,
    VISIT_AGAIN,
    ActionContext,
    Guard,
    GuardKind,
)
from hotline.appeals.states import Act, State
from hotline.core.errors import Conflict, Forbidden

A, S = Act, State


@dataclass(frozen=True)
class Transition:
    action: Act
    source: State
    dest: State
    guards: tuple[Guard, ...] = field(default_factory=tuple)

    def blocking_guard(
        self, ctx: ActionContext, kinds: Iterable[GuardKind] = ("role", "rule", "branch")
    ) -> Guard | None:
        return next((g for g in self.guards if g.kind in kinds and not g.check(ctx)), None)


def _t(action: Act, sources: State | list[State], dest: State | None, *guards: Guard) -> list[Transition]:
    """dest None: the appeal stays in its state (an action inside a step)."""
    sources = [sources] if isinstance(sources, State) else sources
    return [Transition(action, s, dest or s, tuple(guards)) for s in sources]


IN_HAND = [S.HANDLING, S.SUPERVISED]
AT_A_UNIT = [S.DISPATCHED, S.HANDLING, S.SUPERVISED, S.PAUSED]
MAY_RETURN = (CURRENT_UNIT, RETURNS_LEFT, IN_RETURN_WINDOW, RETURN_NOT_REJECTED)
# 申诉复核: from the unit's signing (a 不合理诉求 shows while handling it) to after the close.
CONTESTABLE = [S.HANDLING, S.SUPERVISED, S.PAUSED, S.REPLIED, S.REVISITING, S.AUDITING, S.EVALUATED]

# Order matters where one action has several transitions from a state: the first whose
# guards all pass is taken (as in `transitions`).
TRANSITIONS: list[Transition] = [
    *_t(A.DISPATCH, S.ACCEPTED, S.DISPATCHED, CENTRE_INTAKE),
    *_t(A.ANSWER, S.ACCEPTED, S.REVISITING, CENTRE_OPERATOR),
    *_t(A.MERGE, S.ACCEPTED, S.MERGED, CENTRE_INTAKE),
    *_t(A.LINK_REPEAT, S.ACCEPTED, None, CENTRE_INTAKE),
    *_t(A.VOID, S.ACCEPTED, S.VOIDED, CENTRE_INTAKE),
    *_t(A.REDISPATCH, S.DISPATCHED, S.DISPATCHED, CURRENT_UNIT, HAS_UNITS_BELOW),
    *_t(A.RETURN, S.DISPATCHED, S.RETURNING, *MAY_RETURN, RETURNS_REVIEWED),
    *_t(A.RETURN, S.DISPATCHED, S.ACCEPTED, *MAY_RETURN, RETURNS_UNREVIEWED, BY_CENTRE),
    *_t(A.RETURN, S.DISPATCHED, S.DISPATCHED, *MAY_RETURN, RETURNS_UNREVIEWED, BY_UNIT),
    *_t(A.APPROVE_RETURN, S.RETURNING, S.ACCEPTED, RETURN_REVIEWER, BY_CENTRE),
    *_t(A.APPROVE_RETURN, S.RETURNING, S.DISPATCHED, RETURN_REVIEWER, BY_UNIT),
    *_t(A.REJECT_RETURN, S.RETURNING, S.DISPATCHED, RETURN_REVIEWER),
    *_t(A.SIGN, S.DISPATCHED, S.HANDLING, CURRENT_UNIT),
    *_t(A.SIGN, S.SUPERVISED, None, CURRENT_UNIT, NOT_SIGNED),
    *_t(A.CONTACT, [*IN_HAND, S.PAUSED], None, CURRENT_UNIT, SIGNED),
    *_t(A.SUPERVISE, [S.DISPATCHED, S.HANDLING], S.SUPERVISED, SUPERVISOR_ABOVE),
    *_t(A.SUPERVISE, S.SUPERVISED, None, SUPERVISOR_ABOVE, CARD_NOT_RED),
    *_t(A.REQUEST_EXTENSION, IN_HAND, None, CURRENT_UNIT, SIGNED, NO_PENDING_EXTENSION),
    *_t(A.APPROVE_EXTENSION, IN_HAND, None, EXTENSION_APPROVER, PENDING_EXTENSION),
    *_t(A.REJECT_EXTENSION, IN_HAND, None, EXTENSION_APPROVER, PENDING_EXTENSION),
    *_t(A.REQUEST_PAUSE, IN_HAND, None, CURRENT_UNIT, SIGNED, NO_PENDING_PAUSE),
    *_t(A.APPROVE_PAUSE, IN_HAND, S.PAUSED, SUPERVISOR_ABOVE, PENDING_PAUSE),
    *_t(A.REJECT_PAUSE, IN_HAND, None, SUPERVISOR_ABOVE, PENDING_PAUSE),
    *_t(A.RESUME, S.PAUSED, S.SUPERVISED, PAUSE_HOLDER, CARD_OPEN),
    *_t(A.RESUME, S.PAUSED, S.HANDLING, PAUSE_HOLDER),
    *_t(A.CO_SIGN, AT_A_UNIT, None, CO_UNIT, CO_NOT_SIGNED),
    *_t(A.CO_REPORT, AT_A_UNIT, None, CO_UNIT, CO_SIGNED, CO_NOT_REPORTED),
    *_t(A.REPLY, S.HANDLING, S.REPLIED, CURRENT_UNIT),
    *_t(A.REPLY, S.SUPERVISED, S.REPLIED, CURRENT_UNIT, SIGNED),
    *_t(A.REJECT_REPLY, S.REPLIED, S.HANDLING, CENTRE_REVIEWER),
    *_t(A.APPROVE_REPLY, S.REPLIED, S.REVISITING, CENTRE_REVIEWER),
    *_t(A.VISIT, S.REVISITING, S.HANDLING, CENTRE_VISITOR, REOPEN_AT_UNIT),
    *_t(A.VISIT, S.REVISITING, S.ACCEPTED, CENTRE_VISITOR, REOPEN_AT_CENTRE),
    *_t(A.VISIT, S.REVISITING, None, CENTRE_VISITOR, VISIT_AGAIN),
    *_t(A.VISIT, S.REVISITING, S.AUDITING, CENTRE_VISITOR),
    # The citizen's own rating counts as the visit: before the call, or after 未联系上.
    *_t(A.RATE, S.REVISITING, S.HANDLING, CITIZEN, REOPEN_AT_UNIT),
    *_t(A.RATE, S.REVISITING, S.ACCEPTED, CITIZEN, REOPEN_AT_CENTRE),
    *_t(A.RATE, S.REVISITING, S.AUDITING, CITIZEN),
    *_t(A.RATE, S.AUDITING, S.HANDLING, CITIZEN, NOT_YET_RATED, REOPEN_AT_UNIT),
    *_t(A.RATE, S.AUDITING, S.ACCEPTED, CITIZEN, NOT_YET_RATED, REOPEN_AT_CENTRE),
    *_t(A.RATE, S.AUDITING, None, CITIZEN, NOT_YET_RATED),
    *_t(A.CHECK, S.AUDITING, S.HANDLING, AWAITING_CHECK, CHECKER, CHECK_FAILED),
    *_t(A.CHECK, S.AUDITING, None, AWAITING_CHECK, CHECKER),
    *_t(A.AUDIT, S.AUDITING, S.EVALUATED, CENTRE_SUPERVISOR, AUDIT_PASSED),
    *_t(A.AUDIT, S.AUDITING, S.HANDLING, CENTRE_SUPERVISOR, AUDIT_FAILED_UNIT),
    *_t(A.AUDIT, S.AUDITING, S.ACCEPTED, CENTRE_SUPERVISOR, AUDIT_FAILED_CENTRE),
    *_t(A.CONTEST, CONTESTABLE, None, MAIN_UNIT_HANDLER, NOT_EXCLUDED, NO_PENDING_CONTEST, IN_CONTEST_WINDOW),
    *_t(A.UPHOLD_CONTEST, CONTESTABLE, None, CENTRE_SUPERVISOR, PENDING_CONTEST),
    *_t(A.DISMISS_CONTEST, CONTESTABLE, None, CENTRE_SUPERVISOR, PENDING_CONTEST),
]
assert {t.action for t in TRANSITIONS} == set(Act), "every action needs a transition"

machine = Machine(
    model=None,
    states=[str(s) for s in State],
    transitions=[
        {"trigger": str(t.action), "source": str(t.source), "dest": str(t.dest), "conditions": list(t.guards)}
        for t in TRANSITIONS
    ],
    initial=None,
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)


def transitions_from(state: str, action: str | None = None) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state and (action is None or t.action == action)]


def branch_taken(action: Act, ctx: ActionContext) -> Transition:
    """The transition `action` takes by its branch guards alone: the system acting on its
    own (a pause ending on its date), where no person's role or rule applies."""
    return next(t for t in transitions_from(ctx.appeal.state, action) if t.blocking_guard(ctx, ("branch",)) is None)


def available_actions(ctx: ActionContext) -> list[Act]:
    """Actions this user may take on this appeal now (role and rule guards pass)."""
    seen: list[Act] = []
    for t in transitions_from(ctx.appeal.state):
        if t.action not in seen and t.blocking_guard(ctx, kinds=("role", "rule")) is None:
            seen.append(t.action)
    return seen


class ActionNotAllowed(Conflict):
    code = "action_not_allowed"


def check(action: Act, ctx: ActionContext) -> None:
    """Raise unless `action` may be taken now: 409 if the state has no such action or a
    rule forbids it, 403 if the user may not take it."""
    state = State(ctx.appeal.state)
    candidates = transitions_from(state, action)
    if not candidates:
        allowed = available_actions(ctx)
        listed = "、".join(f"{a.label}（{a}）" for a in allowed) or "无"
        raise ActionNotAllowed(
            f"工单当前状态为「{state.label}」（{state}），不能执行「{action.label}」；您现在可以执行：{listed}",
            state=str(state),
            allowed_actions=[str(a) for a in allowed],
        )
    blocked = [t.blocking_guard(ctx, kinds=("role", "rule")) for t in candidates]
    if any(g is None for g in blocked):
        return
    denials = [g for g in blocked if g is not None]
    role_denials = [g for g in denials if g.kind == "role"]
    if len(role_denials) == len(denials):
        raise Forbidden(role_denials[0].refusal(ctx))
    rule = next(g for g in denials if g.kind == "rule")
    raise Conflict(rule.refusal(ctx), state=str(state), allowed_actions=[str(a) for a in available_actions(ctx)])


def fire(action: Act, ctx: ActionContext) -> None:
    """Fire the event on the appeal (after `check`); the branch guards pick the transition."""
    if not machine.events[str(action)].trigger(ctx.appeal, ctx=ctx):
        raise RuntimeError(f"no transition of {action} from {ctx.appeal.state} matched")
