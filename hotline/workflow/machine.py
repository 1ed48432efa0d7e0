"""The appeal state machine (DESIGN.md §4), as data.

STATES and TRANSITIONS below are the whole lifecycle. They feed ONE module-level
`transitions` Machine (model=None: appeals are never added to it; events are fired on the
appeal passed in) and the generated diagram in docs/workflow.md.

Each transition carries guards. A guard is one of three kinds, and the kind decides how a
refusal is answered:
  role    who may act (role, unit)                    -> 403
  rule    a business rule of the moment (return window, pending extension …) -> 409
  branch  which of several transitions the body selects (visit: 满意 or 不满意 …)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from transitions import Machine

from hotline.auth.models import User
from hotline.clock import format_local
from hotline.errors import Conflict, Forbidden
from hotline.extensions import db
from hotline.grid.models import Unit
from hotline.models import Appeal
from hotline.vocabulary import CARD_LEVELS
from hotline.workflow.deadlines import policy_for

STATES: dict[str, str] = {
    "accepted": "受理",
    "dispatched": "转办",
    "handling": "办理",
    "supervised": "督办",
    "replied": "反馈",
    "revisiting": "回访",
    "auditing": "监督",
    "evaluated": "评价",
    "merged": "并单",
    "voided": "无效",
}
INITIAL_STATE = "accepted"
FINAL_STATES = frozenset({"evaluated", "merged", "voided"})
OPEN_STATES = frozenset(STATES) - FINAL_STATES

ACTIONS: dict[str, str] = {
    "dispatch": "派单",
    "answer": "直接答复",
    "merge": "并单",
    "void": "无效/转110",
    "redispatch": "转派",
    "return": "退单",
    "sign": "签收",
    "contact": "联系市民",
    "supervise": "督办",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "reject_extension": "驳回延期",
    "reply": "反馈",
    "co_sign": "协办签收",
    "co_report": "协办反馈",
    "reject_reply": "审核退回",
    "approve_reply": "审核通过",
    "visit": "回访",
    "audit": "监督",
}

# Events that are not transitions of the machine: `create` opens the appeal, the others leave
# its state as it is (the sweep's warnings and 通报, a photo added).
NON_TRANSITION_EVENTS: dict[str, str] = {"create": "受理", "warn": "临期预警", "escalate": "通报", "attach": "上传照片"}
EVENT_LABELS = {**ACTIONS, **NON_TRANSITION_EVENTS}

MAX_RETURNS = 3


@dataclass
class ActionContext:
    """Everything a guard may look at. `body` is None while only asking which actions a
    user could take (buttons, 409 messages); branch guards then are not consulted."""

    appeal: Appeal
    actor: User
    at: datetime
    body: Any = None


@dataclass(frozen=True)
class Guard:
    kind: str  # "role" | "rule" | "branch"
    label: str  # what must hold, for the docs
    check: Callable[[ActionContext], bool]
    denial: Callable[[ActionContext], str] | str = ""

    def __call__(self, event) -> bool:  # as a `transitions` condition (send_event=True)
        return self.check(event.kwargs["ctx"])

    def refusal(self, ctx: ActionContext) -> str:
        return self.denial(ctx) if callable(self.denial) else self.denial


def _centre(*roles: str) -> Guard:
    names = "/".join(roles)
    return Guard(
        "role",
        f"centre {names}",
        lambda c: c.actor.at_centre and c.actor.has_role(*roles),
        f"只有热线中心的{'或'.join(_ROLE_CN[r] for r in roles)}可以执行此操作",
    )


_ROLE_CN = {"operator": "话务员", "dispatcher": "派单员", "supervisor": "督办员", "visitor": "回访员"}

CENTRE_INTAKE = _centre("operator", "dispatcher")
CENTRE_OPERATOR = _centre("operator")
CENTRE_REVIEWER = _centre("dispatcher")
CENTRE_VISITOR = _centre("visitor")
CENTRE_SUPERVISOR = _centre("supervisor")

CURRENT_UNIT = Guard(
    "role",
    "handler of the current unit",
    lambda c: c.actor.has_role("handler")
    and c.appeal.current_unit_id is not None
    and c.actor.unit_id == c.appeal.current_unit_id,
    "只有当前承办单位的承办人可以执行此操作",
)


def _supervises(c: ActionContext) -> bool:
    unit = c.appeal.current_unit
    return (
        c.actor.has_role("supervisor")
        and unit is not None
        and (c.actor.at_centre or c.actor.unit.is_ancestor_of(unit))
    )


def co_part(c: ActionContext):
    """The actor's unit's share of a 联办 appeal, if it is a co-unit."""
    return next((p for p in c.appeal.co_units if p.unit_id == c.actor.unit_id), None)


CO_UNIT = Guard(
    "role",
    "handler of a co-handling (协办) unit",
    lambda c: c.actor.has_role("handler") and co_part(c) is not None,
    "只有本工单的协办单位可以执行此操作",
)
CO_NOT_SIGNED = Guard("rule", "co-unit not yet signed", lambda c: co_part(c).signed_at is None, "本单位已签收")
CO_SIGNED = Guard("rule", "co-unit signed", lambda c: co_part(c).signed_at is not None, "本单位尚未签收，请先签收")
CO_NOT_REPORTED = Guard("rule", "co-unit has not reported", lambda c: co_part(c).reported_at is None,
                        "本单位已反馈协办情况")

SUPERVISOR_ABOVE = Guard(
    "role",
    "supervisor of the centre or of a unit above the current unit",
    _supervises,
    "只有热线中心或承办单位上级的督办员可以执行此操作",
)

def _has_units_below(c: ActionContext) -> bool:
    unit = c.appeal.current_unit
    return db.session.scalar(select(Unit.id).where(Unit.parent_id == unit.id, Unit.active).limit(1)) is not None


HAS_UNITS_BELOW = Guard("rule", "the current unit has units below it", _has_units_below,
                        "本单位没有下级单位，不能转派")

RETURNS_LEFT = Guard(
    "rule",
    f"fewer than {MAX_RETURNS} returns, not centre-designated",
    lambda c: c.appeal.return_count < MAX_RETURNS and not c.appeal.designated,
    f"该工单已退单{MAX_RETURNS}次，由热线中心指定承办单位，不能再退单",
)


IN_RETURN_WINDOW = Guard(
    "rule",
    "within the return window",
    lambda c: c.appeal.return_due_at is None or c.at <= c.appeal.return_due_at,
    lambda c: f"已超过退单时限（{format_local(c.appeal.return_due_at)}），不能退单",
)
SIGNED = Guard("rule", "signed", lambda c: c.appeal.signed_at is not None, "工单尚未签收，请先签收")
NOT_SIGNED = Guard("rule", "not yet signed", lambda c: c.appeal.signed_at is None, "工单已签收")
NO_PENDING_EXTENSION = Guard(
    "rule",
    "no extension pending",
    lambda c: c.appeal.pending_extension is None,
    "已有待审批的延期申请",
)
PENDING_EXTENSION = Guard(
    "rule",
    "an extension is pending",
    lambda c: c.appeal.pending_extension is not None,
    "没有待审批的延期申请",
)


def _extensions_left(c: ActionContext) -> bool:
    return c.appeal.extension_count < policy_for(c.appeal).extension_times


def _no_extension_reason(c: ActionContext) -> str:
    policy = policy_for(c.appeal)
    if policy.extension_times == 0:
        return f"{policy.name}诉求不能延期"
    return f"延期次数已用完（{policy.name}诉求最多延期{policy.extension_times}次）"


EXTENSIONS_LEFT = Guard("rule", "extensions left under the policy", _extensions_left, _no_extension_reason)
CARD_NOT_RED = Guard(
    "rule",
    "open card is not already red",
    lambda c: c.appeal.supervision_level != "red",
    f"已是{CARD_LEVELS['red']}督办",
)

BY_CENTRE = Guard("branch", "dispatched by the centre", lambda c: c.appeal.dispatched_by_unit_id is None)
BY_UNIT = Guard("branch", "dispatched by a unit", lambda c: c.appeal.dispatched_by_unit_id is not None)


def _wants_reopen(c: ActionContext) -> bool:
    body = c.body
    return (
        body.reached
        and body.satisfaction == "不满意"
        and c.appeal.reopen_count < policy_for(c.appeal).reopen_rounds
    )


REOPEN_AT_UNIT = Guard(
    "branch",
    "不满意, reopen rounds left, handled by a unit",
    lambda c: _wants_reopen(c) and c.appeal.main_unit_id is not None,
)
REOPEN_AT_CENTRE = Guard(
    "branch",
    "不满意, reopen rounds left, answered by the centre",
    lambda c: _wants_reopen(c) and c.appeal.main_unit_id is None,
)
AUDIT_PASSED = Guard("branch", "passed", lambda c: c.body.passed)
AUDIT_FAILED_UNIT = Guard(
    "branch", "failed (虚假办结), handled by a unit",
    lambda c: not c.body.passed and c.appeal.main_unit_id is not None,
)
AUDIT_FAILED_CENTRE = Guard(
    "branch", "failed, answered by the centre",
    lambda c: not c.body.passed and c.appeal.main_unit_id is None,
)


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    dest: str
    guards: tuple[Guard, ...] = field(default_factory=tuple)

    def blocking_guard(self, ctx: ActionContext, kinds=("role", "rule", "branch")) -> Guard | None:
        return next((g for g in self.guards if g.kind in kinds and not g.check(ctx)), None)


def _t(action: str, sources: str | list[str], dest: str | None, *guards: Guard) -> list[Transition]:
    """dest None: the appeal stays in its state (an action inside a step)."""
    sources = [sources] if isinstance(sources, str) else sources
    return [Transition(action, s, dest or s, tuple(guards)) for s in sources]


# Order matters where one action has several transitions from a state: the first whose
# guards all pass is taken (as in `transitions`).
TRANSITIONS: list[Transition] = [
    *_t("dispatch", "accepted", "dispatched", CENTRE_INTAKE),
    *_t("answer", "accepted", "revisiting", CENTRE_OPERATOR),
    *_t("merge", "accepted", "merged", CENTRE_INTAKE),
    *_t("void", "accepted", "voided", CENTRE_INTAKE),
    *_t("redispatch", "dispatched", "dispatched", CURRENT_UNIT, HAS_UNITS_BELOW),
    *_t("return", "dispatched", "accepted", CURRENT_UNIT, RETURNS_LEFT, IN_RETURN_WINDOW, BY_CENTRE),
    *_t("return", "dispatched", "dispatched", CURRENT_UNIT, RETURNS_LEFT, IN_RETURN_WINDOW, BY_UNIT),
    *_t("sign", "dispatched", "handling", CURRENT_UNIT),
    *_t("sign", "supervised", None, CURRENT_UNIT, NOT_SIGNED),
    *_t("contact", ["handling", "supervised"], None, CURRENT_UNIT, SIGNED),
    *_t("supervise", ["dispatched", "handling"], "supervised", SUPERVISOR_ABOVE),
    *_t("supervise", "supervised", None, SUPERVISOR_ABOVE, CARD_NOT_RED),
    *_t("request_extension", ["handling", "supervised"], None,
        CURRENT_UNIT, SIGNED, NO_PENDING_EXTENSION, EXTENSIONS_LEFT),
    *_t("approve_extension", ["handling", "supervised"], None, SUPERVISOR_ABOVE, PENDING_EXTENSION),
    *_t("reject_extension", ["handling", "supervised"], None, SUPERVISOR_ABOVE, PENDING_EXTENSION),
    *_t("co_sign", ["dispatched", "handling", "supervised"], None, CO_UNIT, CO_NOT_SIGNED),
    *_t("co_report", ["dispatched", "handling", "supervised"], None, CO_UNIT, CO_SIGNED, CO_NOT_REPORTED),
    *_t("reply", "handling", "replied", CURRENT_UNIT),
    *_t("reply", "supervised", "replied", CURRENT_UNIT, SIGNED),
    *_t("reject_reply", "replied", "handling", CENTRE_REVIEWER),
    *_t("approve_reply", "replied", "revisiting", CENTRE_REVIEWER),
    *_t("visit", "revisiting", "handling", CENTRE_VISITOR, REOPEN_AT_UNIT),
    *_t("visit", "revisiting", "accepted", CENTRE_VISITOR, REOPEN_AT_CENTRE),
    *_t("visit", "revisiting", "auditing", CENTRE_VISITOR),
    *_t("audit", "auditing", "evaluated", CENTRE_SUPERVISOR, AUDIT_PASSED),
    *_t("audit", "auditing", "handling", CENTRE_SUPERVISOR, AUDIT_FAILED_UNIT),
    *_t("audit", "auditing", "accepted", CENTRE_SUPERVISOR, AUDIT_FAILED_CENTRE),
]

machine = Machine(
    model=None,
    states=list(STATES),
    transitions=[
        {"trigger": t.action, "source": t.source, "dest": t.dest, "conditions": list(t.guards)}
        for t in TRANSITIONS
    ],
    initial=None,
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)


def transitions_from(state: str, action: str | None = None) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state and (action is None or t.action == action)]


def available_actions(ctx: ActionContext) -> list[str]:
    """Actions this user may take on this appeal now (role and rule guards pass)."""
    seen: list[str] = []
    for t in transitions_from(ctx.appeal.state):
        if t.action not in seen and t.blocking_guard(ctx, kinds=("role", "rule")) is None:
            seen.append(t.action)
    return seen


class ActionNotAllowed(Conflict):
    code = "action_not_allowed"


def check(action: str, ctx: ActionContext) -> None:
    """Raise unless `action` may be taken now: 409 if the state has no such action or a
    rule forbids it, 403 if the user may not take it."""
    candidates = transitions_from(ctx.appeal.state, action)
    if not candidates:
        allowed = available_actions(ctx)
        listed = "、".join(f"{ACTIONS[a]}（{a}）" for a in allowed) or "无"
        raise ActionNotAllowed(
            f"工单当前状态为「{STATES[ctx.appeal.state]}」（{ctx.appeal.state}），不能执行「{ACTIONS[action]}」；"
            f"您现在可以执行：{listed}",
            state=ctx.appeal.state,
            allowed_actions=allowed,
        )
    blocked = [t.blocking_guard(ctx, kinds=("role", "rule")) for t in candidates]
    if any(g is None for g in blocked):
        return
    role_denials = [g for g in blocked if g.kind == "role"]
    if len(role_denials) == len(blocked):
        raise Forbidden(role_denials[0].refusal(ctx))
    rule = next(g for g in blocked if g.kind == "rule")
    raise Conflict(rule.refusal(ctx), state=ctx.appeal.state, allowed_actions=available_actions(ctx))


def fire(action: str, ctx: ActionContext) -> None:
    """Fire the event on the appeal (after `check`); the branch guards pick the transition."""
    if not machine.events[action].trigger(ctx.appeal, ctx=ctx):
        raise RuntimeError(f"no transition of {action} from {ctx.appeal.state} matched")
