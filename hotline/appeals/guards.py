"""The conditions on the state machine's transitions (hotline.appeals.machine).

A guard is one of three kinds, and the kind decides how a refusal is answered:
  role    who may act (role, unit)                                          -> 403
  rule    a business rule of the moment (return window, pending extension …) -> 409
  branch  which of several transitions the body selects (visit: 满意 or 不满意 …)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from hotline.appeals import permissions
from hotline.appeals.deadlines import (
    contest_due_at,
    policy_for,
    return_review_limit,
    visit_attempts_after,
    visit_attempts_limit,
)
from hotline.appeals.models import Appeal, AppealCoUnit
from hotline.auth.models import User
from hotline.core.clock import format_local
from hotline.core.extensions import db
from hotline.core.permissions import Permission, at_centre
from hotline.core.vocabulary import CARD_LEVELS, POOR_RATINGS, UNRATED
from hotline.grid.models import Unit

GuardKind = Literal["role", "rule", "branch"]
MAX_RETURNS = 3


@dataclass
class ActionContext:
    """Everything a guard may look at. `body` is None while only asking which actions a
    user could take (buttons, 409 messages); branch guards then are not consulted."""

    appeal: Appeal
    actor: User | None  # None: the citizen (市民评价, by number and 查询码)
    at: datetime
    body: Any = None

    @property
    def user(self) -> User:
        """The member of staff acting: every action but the citizen's own."""
        assert self.actor is not None, "a staff action"
        return self.actor

    def has_role(self, *roles: str) -> bool:
        return self.actor is not None and self.actor.has_role(*roles)


@dataclass(frozen=True)
class Guard:
    kind: GuardKind
    label: str  # what must hold, for the docs
    check: Callable[[ActionContext], bool]
    denial: Callable[[ActionContext], str] | str = ""

    def __call__(self, event: Any) -> bool:  # as a `transitions` condition (send_event=True)
        return self.check(event.kwargs["ctx"])

    def refusal(self, ctx: ActionContext) -> str:
        return self.denial(ctx) if callable(self.denial) else self.denial


def _centre(permission: Permission, label: str) -> Guard:
    return Guard("role", label, lambda c: permission.allows(c.actor), permission.refusal)


# The centre's desks (the same permissions the pages and the navigation ask).
CENTRE_INTAKE = _centre(at_centre("operator", "dispatcher"), "centre operator/dispatcher")
CENTRE_OPERATOR = _centre(at_centre("operator"), "centre operator")
CENTRE_REVIEWER = _centre(at_centre("dispatcher"), "centre dispatcher")
CENTRE_VISITOR = _centre(permissions.VISIT, "centre visitor")
CENTRE_SUPERVISOR = _centre(at_centre("supervisor"), "centre supervisor")

CURRENT_UNIT = Guard(
    "role",
    "handler of the current unit",
    lambda c: (
        c.has_role("handler") and c.appeal.current_unit_id is not None and c.user.unit_id == c.appeal.current_unit_id
    ),
    "只有当前承办单位的承办人可以执行此操作",
)


def _supervises(c: ActionContext) -> bool:
    unit = c.appeal.current_unit
    return c.has_role("supervisor") and unit is not None and (c.user.at_centre or c.user.unit.is_ancestor_of(unit))


SUPERVISOR_ABOVE = Guard(
    "role",
    "supervisor of the centre or of a unit above the current unit",
    _supervises,
    "只有热线中心或承办单位上级的督办员可以执行此操作",
)


def co_part(c: ActionContext) -> AppealCoUnit | None:
    """The actor's unit's share of a 联办 appeal, if it is a co-unit."""
    unit_id = c.actor.unit_id if c.actor else None
    return next((p for p in c.appeal.co_units if p.unit_id == unit_id), None)


def own_co_part(c: ActionContext) -> AppealCoUnit:
    """The actor's share, once CO_UNIT has passed."""
    part = co_part(c)
    assert part is not None, "CO_UNIT guards every co-handling action"
    return part


CO_UNIT = Guard(
    "role",
    "handler of a co-handling (协办) unit",
    lambda c: c.has_role("handler") and co_part(c) is not None,
    "只有本工单的协办单位可以执行此操作",
)
CO_NOT_SIGNED = Guard("rule", "co-unit not yet signed", lambda c: own_co_part(c).signed_at is None, "本单位已签收")
CO_SIGNED = Guard("rule", "co-unit signed", lambda c: own_co_part(c).signed_at is not None, "本单位尚未签收，请先签收")
CO_NOT_REPORTED = Guard(
    "rule", "co-unit has not reported", lambda c: own_co_part(c).reported_at is None, "本单位已反馈协办情况"
)


def _has_units_below(c: ActionContext) -> bool:
    unit = c.appeal.current_unit
    if unit is None:
        return False
    return db.session.scalar(select(Unit.id).where(Unit.parent_id == unit.id, Unit.active).limit(1)) is not None


HAS_UNITS_BELOW = Guard("rule", "the current unit has units below it", _has_units_below, "本单位没有下级单位，不能转派")

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
RETURN_NOT_REJECTED = Guard(
    "rule",
    "the unit's return was not rejected",
    lambda c: c.appeal.return_rejected_at is None,
    "本单位的退单申请已被驳回，请签收办理",
)


def _reviews_return(c: ActionContext) -> bool:
    """Whoever dispatched it reviews a return: the centre's dispatchers, or the handlers of
    the unit that passed it down (it holds the appeal while it decides)."""
    if c.appeal.dispatched_by_unit_id is None:
        return CENTRE_REVIEWER.check(c)
    return c.has_role("handler") and c.user.unit_id == c.appeal.dispatched_by_unit_id


RETURN_REVIEWER = Guard(
    "role",
    "whoever dispatched it: the centre's dispatcher, or the handler of the unit that passed it down",
    _reviews_return,
    "只有派出该工单的热线中心派单员或上级单位承办人可以审核退单",
)
SIGNED = Guard("rule", "signed", lambda c: c.appeal.signed_at is not None, "工单尚未签收，请先签收")
NOT_SIGNED = Guard("rule", "not yet signed", lambda c: c.appeal.signed_at is None, "工单已签收")
NO_PENDING_EXTENSION = Guard(
    "rule", "no extension pending", lambda c: c.appeal.pending_extension is None, "已有待审批的延期申请"
)
PENDING_EXTENSION = Guard(
    "rule", "an extension is pending", lambda c: c.appeal.pending_extension is not None, "没有待审批的延期申请"
)


def _long_cycle_pending(c: ActionContext) -> bool:
    pending = c.appeal.pending_extension
    return pending is not None and pending.long_cycle


def _decides_extension(c: ActionContext) -> bool:
    """A 长周期 request is the centre's supervisors' to decide; any other, the supervisors above."""
    return CENTRE_SUPERVISOR.check(c) if _long_cycle_pending(c) else _supervises(c)


def _not_deciding_extension(c: ActionContext) -> str:
    return "长周期延期由热线中心督办员审批" if _long_cycle_pending(c) else SUPERVISOR_ABOVE.refusal(c)


EXTENSION_APPROVER = Guard(
    "role",
    "supervisor above the current unit; the centre's for a 长周期 request",
    _decides_extension,
    _not_deciding_extension,
)
NO_PENDING_PAUSE = Guard("rule", "no pause pending", lambda c: c.appeal.pending_pause is None, "已有待审批的挂起申请")
PENDING_PAUSE = Guard(
    "rule", "a pause is pending", lambda c: c.appeal.pending_pause is not None, "没有待审批的挂起申请"
)


def _holds_paused(c: ActionContext) -> bool:
    return CURRENT_UNIT.check(c) or _supervises(c)


PAUSE_HOLDER = Guard(
    "role",
    "handler of the current unit, or a supervisor above it",
    _holds_paused,
    "只有当前承办单位的承办人或其上级督办员可以恢复办理",
)
CITIZEN = Guard(
    "role",
    "the citizen, by number and 查询码 (tracking page, SMS link)",
    lambda c: c.actor is None,
    "市民评价由市民本人在查询页面或短信链接中提交",
)
NOT_YET_RATED = Guard(
    "rule",
    "not yet rated this round (the visit did not reach the citizen)",
    lambda c: c.appeal.satisfaction == UNRATED,
    "您已评价过，感谢您的反馈",
)
MAIN_UNIT_HANDLER = Guard(
    "role",
    "handler of the main handling unit (the unit assessed)",
    lambda c: c.has_role("handler") and c.appeal.main_unit_id is not None and c.user.unit_id == c.appeal.main_unit_id,
    "只有主办单位的承办人可以申诉",
)
NO_PENDING_CONTEST = Guard("rule", "no contest pending", lambda c: c.appeal.pending_contest is None, "已有待复核的申诉")
PENDING_CONTEST = Guard(
    "rule", "a contest is pending", lambda c: c.appeal.pending_contest is not None, "没有待复核的申诉"
)
NOT_EXCLUDED = Guard(
    "rule",
    "not already excluded from the assessment",
    lambda c: not c.appeal.assessment_excluded,
    "申诉已成立，该工单已不纳入考核",
)


def _in_contest_window(c: ActionContext) -> bool:
    until = contest_due_at(c.appeal)
    return until is None or c.at <= until


IN_CONTEST_WINDOW = Guard(
    "rule",
    "within HOTLINE_CONTEST_LIMIT of the rating (or the close)",
    _in_contest_window,
    lambda c: f"已超过申诉时限（{format_local(contest_due_at(c.appeal))}）",
)
AWAITING_CHECK = Guard(
    "rule",
    "a 核查 on the spot is awaited (field-check category)",
    lambda c: c.appeal.check_unit_id is not None,
    "本件不需要或已完成现场核查",
)
CHECKER = Guard(
    "role",
    "handler of the unit of the place (its grid)",
    lambda c: c.has_role("handler") and c.user.unit_id == c.appeal.check_unit_id,
    "只有诉求所在网格的人员可以现场核查",
)
CHECK_FAILED = Guard("branch", "failed (虚假办结)", lambda c: not c.body.passed)
CARD_NOT_RED = Guard(
    "rule",
    "open card is not already red",
    lambda c: c.appeal.supervision_level != "red",
    f"已是{CARD_LEVELS['red']}督办",
)

RETURNS_REVIEWED = Guard(
    "branch",
    "returns are reviewed (HOTLINE_RETURN_REVIEW)",
    lambda c: return_review_limit() is not None,
)
RETURNS_UNREVIEWED = Guard(
    "branch",
    "returns are not reviewed (HOTLINE_RETURN_REVIEW off)",
    lambda c: not RETURNS_REVIEWED.check(c),
)
BY_CENTRE = Guard("branch", "dispatched by the centre", lambda c: c.appeal.dispatched_by_unit_id is None)
BY_UNIT = Guard("branch", "dispatched by a unit", lambda c: c.appeal.dispatched_by_unit_id is not None)


def rework_rounds_left(appeal: Appeal) -> bool:
    """Whether a 差评 still sends it back to 整改 (HOTLINE's policy: reopen_rounds rounds)."""
    return appeal.reopen_count < policy_for(appeal).reopen_rounds


def _wants_reopen(c: ActionContext) -> bool:
    return c.body.satisfaction in POOR_RATINGS and rework_rounds_left(c.appeal)


def _calls_again(c: ActionContext) -> bool:
    body = c.body
    if body.reached or body.call_result == "空号":
        return False
    attempts, _ = visit_attempts_after(c.appeal, c.at)
    return attempts < visit_attempts_limit()


VISIT_AGAIN = Guard(
    "branch",
    "not reached, fewer calls on different half-days than HOTLINE_VISIT_ATTEMPTS (空号 ends it)",
    _calls_again,
)
REOPEN_AT_UNIT = Guard(
    "branch",
    "差评 (不满意/非常不满意), 整改 rounds left, handled by a unit",
    lambda c: _wants_reopen(c) and c.appeal.main_unit_id is not None,
)
REOPEN_AT_CENTRE = Guard(
    "branch",
    "差评, 整改 rounds left, answered by the centre",
    lambda c: _wants_reopen(c) and c.appeal.main_unit_id is None,
)
CARD_OPEN = Guard("branch", "a 督办 card is open", lambda c: c.appeal.supervision_level is not None)
AUDIT_PASSED = Guard("branch", "passed", lambda c: bool(c.body.passed))
AUDIT_FAILED_UNIT = Guard(
    "branch",
    "failed (虚假办结), handled by a unit",
    lambda c: not c.body.passed and c.appeal.main_unit_id is not None,
)
AUDIT_FAILED_CENTRE = Guard(
    "branch",
    "failed, answered by the centre",
    lambda c: not c.body.passed and c.appeal.main_unit_id is None,
)
