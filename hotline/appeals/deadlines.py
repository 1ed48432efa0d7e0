"""Time limits of each step from the SLA policy table, and the SLA clock
kept on the appeal."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import case, literal, select

from hotline.appeals.models import Appeal, SlaCategoryLimit, SlaPolicy
from hotline.appeals.sla_defaults import LIMIT_FIELDS, class_of
from hotline.appeals.states import State
from hotline.calendar.service import current_calendar
from hotline.categories.models import Category
from hotline.core import revisions
from hotline.core.extensions import db

# Warning (黄灯) once this share of the interval is used.
WARN_SHARE = 2 / 3
LIMIT_PATTERN = r"^(0\.5wd|([1-9]\d{0,3})(min|h|wd|d))$"
_LIMIT = re.compile(LIMIT_PATTERN)
LIMIT_FORMS = "30min、24h、10wd（工作日）、0.5wd（半个工作日）或 15d（自然日）"


@dataclass(frozen=True)
class Limit:
    """A time limit: minutes or hours of clock time, working days, half a working day
    (`0.5wd`), or calendar days (each day counted to its end, as working days are)."""

    working_days: int = 0
    half_working_day: bool = False
    days: int = 0
    hours: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: str) -> Limit:
        match = _LIMIT.match(text)
        if match is None:
            raise ValueError(f"时限格式应为 {LIMIT_FORMS}，而不是「{text}」")
        if match.group(1) == "0.5wd":
            return cls(half_working_day=True)
        amount, unit = int(match.group(2)), match.group(3)
        return cls(
            working_days=amount if unit == "wd" else 0,
            days=amount if unit == "d" else 0,
            hours=amount if unit == "h" else 0,
            minutes=amount if unit == "min" else 0,
        )

    def due_from(self, start: datetime) -> datetime:
        calendar = current_calendar()
        if self.working_days:
            return calendar.add_working_days(start, self.working_days)
        if self.half_working_day:
            return calendar.add_working_half_day(start)
        if self.days:
            return calendar.add_calendar_days(start, self.days)
        return start + timedelta(hours=self.hours, minutes=self.minutes)

    def __str__(self) -> str:
        if self.working_days:
            return f"{self.working_days}个工作日"
        if self.half_working_day:
            return "半个工作日"
        if self.days:
            return f"{self.days}个自然日"
        if self.hours:
            return f"{self.hours}小时"
        return f"{self.minutes}分钟"


@dataclass(frozen=True)
class Sooner:
    """A policy's limit under a category's ceiling (供水 24 h): due by the earlier of the two."""

    limit: Span
    ceiling: Limit
    category: str

    def due_from(self, start: datetime) -> datetime:
        return min(self.limit.due_from(start), self.ceiling.due_from(start))

    def __str__(self) -> str:
        return f"{self.limit}，{self.category}类最长{self.ceiling}"


Span = Limit | Sooner

# A red card still overdue this long after is reported one level higher (通报).
ESCALATE_AFTER = Limit(working_days=5)


@dataclass(frozen=True)
class Policy:
    urgency: str
    type: str
    dispatch: Limit  # the centre's: 受理 → 派单
    sign: Span
    return_window: Limit
    handle: Span
    review: Limit  # the centre's: 反馈 → 审核
    visit: Limit
    reopen: Limit
    red_after: Limit
    extension_times: int
    extension_max_days: int
    reopen_rounds: int

    @property
    def name(self) -> str:
        return {"critical": "特急", "urgent": "紧急"}.get(class_of(self.urgency, self.type), self.type)

    @classmethod
    def of(cls, row: SlaPolicy) -> Policy:
        limits = {f: Limit.parse(getattr(row, f)) for f in LIMIT_FIELDS}
        return cls(
            urgency=row.urgency,
            type=row.type,
            **limits,
            extension_times=row.extension_times,
            extension_max_days=row.extension_max_days,
            reopen_rounds=row.reopen_rounds,
        )

    def under(self, ceiling: Ceiling | None) -> Policy:
        """This policy for an appeal of a category with its own ceiling."""
        if ceiling is None:
            return self
        return replace(
            self,
            sign=Sooner(self.sign, ceiling.sign, ceiling.category) if ceiling.sign else self.sign,
            handle=Sooner(self.handle, ceiling.handle, ceiling.category) if ceiling.handle else self.handle,
        )


# The limits a category may cap (SlaCategoryLimit's columns).
CEILING_FIELDS = ("sign", "handle")


@dataclass(frozen=True)
class Ceiling:
    """A category's own limits, each from the category itself or the nearest one above it."""

    category: str  # the name of the category that sets the handle limit (or the sign limit)
    sign: Limit | None = None
    handle: Limit | None = None


@dataclass(frozen=True)
class SlaTable:
    policies: dict[tuple[str, str], Policy]
    ceilings: dict[int, Ceiling]  # by category id, inherited down the taxonomy


def _sla_table() -> SlaTable:
    policies = {(r.urgency, r.type): Policy.of(r) for r in db.session.scalars(select(SlaPolicy))}
    own = {row.category_id: row for row in db.session.scalars(select(SlaCategoryLimit))}
    if not own:
        return SlaTable(policies, {})
    rows = db.session.execute(select(Category.id, Category.parent_id, Category.name)).tuples().all()
    parents = {category_id: parent_id for category_id, parent_id, _ in rows}
    names = {category_id: name for category_id, _, name in rows}
    ceilings: dict[int, Ceiling] = {}
    for category_id in parents:
        found: dict[str, Limit] = {}
        setter = None
        node: int | None = category_id
        while node is not None and len(found) < len(CEILING_FIELDS):
            if (row := own.get(node)) is not None:
                for name in CEILING_FIELDS:
                    if name not in found and (text := getattr(row, name)):
                        found[name] = Limit.parse(text)
                        setter = setter or names[node]
            node = parents.get(node)
        if found:
            ceilings[category_id] = Ceiling(category=setter or "", **found)
    return SlaTable(policies, ceilings)


# The policy table and the categories' ceilings, cached per process until the "sla"
# revision changes (editing either bumps it).
_table = revisions.Cached("sla", _sla_table)


def policies() -> dict[tuple[str, str], Policy]:
    return _table.get().policies


def policy_of(urgency: str, appeal_type: str, category_id: int | None) -> Policy:
    table = _table.get()
    policy = table.policies[(urgency, appeal_type)]
    return policy.under(table.ceilings.get(category_id)) if category_id is not None else policy


def policy_for(appeal: Appeal) -> Policy:
    return policy_of(appeal.urgency, appeal.type, appeal.category_id)


@dataclass(frozen=True)
class Expected:
    """What a caller can be told at intake: if dispatched now, sign and finish by these."""

    policy: Policy
    sign_due_at: datetime
    handle_due_at: datetime


def expected(urgency: str, appeal_type: str, category_id: int | None, at: datetime) -> Expected:
    policy = policy_of(urgency, appeal_type, category_id)
    return Expected(policy, policy.sign.due_from(at), policy.handle.due_from(at))


def contact_limit(appeal: Appeal) -> Limit:
    """How soon the unit must first contact the citizen after receiving the appeal (响应)."""
    key = "HOTLINE_CONTACT_LIMIT_URGENT" if appeal.urgency != "一般" else "HOTLINE_CONTACT_LIMIT"
    return Limit.parse(current_app.config[key])


def return_review_limit() -> Limit | None:
    """How long whoever dispatched an appeal has to review a unit's 退单 (派单异议审核); None
    when returns are not reviewed (HOTLINE_RETURN_REVIEW off) and go straight back."""
    if not current_app.config["HOTLINE_RETURN_REVIEW"]:
        return None
    return Limit.parse(current_app.config["HOTLINE_RETURN_REVIEW_LIMIT"])


def contest_due_at(appeal: Appeal) -> datetime | None:
    """The last moment the unit may raise a 申诉复核: HOTLINE_CONTEST_LIMIT after the rating
    (or, unrated, after the close); None while neither has happened (a 不合理诉求 may be
    raised while it is being handled)."""
    start = appeal.rated_at or appeal.closed_at
    return due(Limit.parse(current_app.config["HOTLINE_CONTEST_LIMIT"]), start) if start else None


def due(limit: Span, start: datetime) -> datetime:
    return limit.due_from(start)


def long_cycle_max_days() -> int:
    """The most working days one 长周期 extension may add (the centre decides it)."""
    return int(current_app.config["HOTLINE_LONG_CYCLE_MAX_DAYS"])


def pause_max_days() -> int:
    """How far ahead (calendar days) a 挂起 may say it will resume."""
    return int(current_app.config["HOTLINE_PAUSE_MAX_DAYS"])


def due_after_pause(due_at: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """The deadline once a pause (挂起) ends: the time that was left when the clock stopped,
    counted again from the resume. A deadline at the end of a (half) working day keeps its
    working days still to come (the pause day not counted, as a limit's start day is not;
    none left: the end of the resume day); a clock-time one keeps its hours; one already
    passed when the clock stopped stays as late as it was."""
    if due_at <= paused_at:
        return resumed_at - (paused_at - due_at)
    calendar = current_calendar()
    if not calendar.ends_a_day(due_at):
        return resumed_at + (due_at - paused_at)
    left = calendar.working_days_left(paused_at, due_at)
    if left == 0:
        resume_day = resumed_at.astimezone(calendar.zone).date()
        left_today = calendar.is_working_day(resume_day)
        return calendar.add_calendar_days(resumed_at, 0) if left_today else calendar.add_working_days(resumed_at, 1)
    return calendar.add_working_days(resumed_at, left)


def visit_attempts_limit() -> int:
    return int(current_app.config["HOTLINE_VISIT_ATTEMPTS"])


def _half_day(at: datetime) -> tuple[date, bool]:
    local = at.astimezone(current_calendar().zone)
    return local.date(), local.hour >= 12


def visit_attempts_after(appeal: Appeal, at: datetime) -> tuple[int, bool]:
    """How many unanswered 回访 calls count once this one at `at` is made, and whether it
    counts: only calls on different half-days do (three tries the same morning are one)."""
    last = appeal.last_visit_attempt_at
    counts = last is None or _half_day(last) != _half_day(at)
    return appeal.visit_attempts + counts, counts


def start_clock(appeal: Appeal, start: datetime, due_at: datetime) -> None:
    """The step now running must be done by `due_at`; warn at 2/3 of the interval. Under
    an open card, the ladder waits for the new deadline before it climbs again."""
    appeal.sla_due_at = due_at
    appeal.sla_warn_at = start + (due_at - start) * WARN_SHARE
    appeal.warning_pending_at = appeal.sla_warn_at
    if appeal.supervision_level is None:
        appeal.next_escalation_at = None  # no card, no ladder (a centre step's report ends with it)
    elif appeal.next_escalation_at is not None and appeal.next_escalation_at < due_at:
        appeal.next_escalation_at = due_at


def start_desk_clock(appeal: Appeal, start: datetime, due_at: datetime) -> None:
    """A step of the desks that dispatch and review (派单, 审核, a return's review): clocked
    like a unit's step, and once overdue the sweep reports it to the supervisors above
    them, once (its rung of the ladder is `next_escalation_at`; no card is opened)."""
    start_clock(appeal, start, due_at)
    appeal.next_escalation_at = due_at


def start_dispatch_clock(appeal: Appeal, start: datetime) -> dict[str, datetime]:
    """The appeal waits in the centre's queue (受理, or back after a return): 派单 is due."""
    appeal.dispatch_due_at = due(policy_for(appeal).dispatch, start)
    start_desk_clock(appeal, start, appeal.dispatch_due_at)
    return {"dispatch_due_at": appeal.dispatch_due_at}


def stop_clock(appeal: Appeal) -> None:
    appeal.sla_due_at = appeal.sla_warn_at = appeal.warning_pending_at = None
    if appeal.supervision_level is None:
        appeal.next_escalation_at = None


def issue_card(appeal: Appeal, level: str, at: datetime) -> None:
    """A 督办 card (by a supervisor or by the sweep): chased by the supervisors of the level
    above; a yellow card turns red after the policy's delay, a red one is reported higher
    (通报) after ESCALATE_AFTER, in both cases only while the step is still overdue."""
    appeal.supervision_level = level
    appeal.supervised_at = at
    wait = policy_for(appeal).red_after if level == "yellow" else ESCALATE_AFTER
    rung = wait.due_from(at)
    appeal.next_escalation_at = max(rung, appeal.sla_due_at) if appeal.sla_due_at else rung


def close_card(appeal: Appeal) -> None:
    """The card is settled; a later one starts again at the level above the unit."""
    appeal.supervision_level = None
    appeal.next_escalation_at = None
    appeal.escalated_to_unit_id = appeal.current_unit.parent_id if appeal.current_unit else None


# Whose step an open appeal waits on (None: the centre's): its current unit's, except once
# the unit has replied, when 审核, 回访 and 监督 are the centre's (the unit's part is done).
CENTRE_STEPS_AFTER_REPLY = (State.REPLIED, State.REVISITING, State.AUDITING)
HOLDER = case((Appeal.state.in_(CENTRE_STEPS_AFTER_REPLY), literal(None)), else_=Appeal.current_unit_id)

SLA_LABELS = {"on_time": "正常", "warning": "临期", "overdue": "超期"}


def sla_status(appeal: Appeal, at: datetime) -> str | None:
    if appeal.sla_due_at is None:
        return None
    if at > appeal.sla_due_at:
        return "overdue"
    if appeal.sla_warn_at is not None and at >= appeal.sla_warn_at:
        return "warning"
    return "on_time"


def sla_status_sql(at: datetime):
    """The same status as a SQL expression, for filters and counts."""
    return case(
        (Appeal.sla_due_at.is_(None), literal(None)),
        (Appeal.sla_due_at < at, literal("overdue")),
        (Appeal.sla_warn_at <= at, literal("warning")),
        else_=literal("on_time"),
    )
