"""The escalation sweep, run every minute by the scheduler.

Each rung is a set-based UPDATE over an indexed work list (partial indexes: a row leaves
the index when it leaves the list), so a sweep reads only the rows it changes and a
second sweep at the same moment finds nothing:

  warning   warning_pending_at ≤ now             → event, notice to the unit
  yellow    dispatched/handling, sla_due_at < now → 督办 (yellow): state supervised, event,
                                                    notice to the unit and to the supervisors
                                                    of the level above
  red       yellow card, next_escalation_at ≤ now, still overdue → red card, also the centre
  通报      red card, next_escalation_at ≤ now, still overdue → the level above that, every
            ESCALATE_AFTER, never above the centre's city
  reported  a desk's own step (派单, 审核, a return's review), next_escalation_at ≤ now →
            event, notice to the supervisors above that desk (the centre's for its own)

Every statement's events are alike, so the database writes them itself: on PostgreSQL the
UPDATE, the INSERT of its events and a per-unit summary are one statement (data-modifying
CTEs); on SQLite the UPDATE returns the ids and one bulk INSERT follows. Python only sees
one summary row per unit, for the notices.

Rows are changed in bulk, so the sweep bumps `version` itself (a user acting on the same
appeal at the same moment gets 409). On PostgreSQL a transaction-scoped advisory lock keeps
a second scheduler out; on SQLite the write transaction (BEGIN IMMEDIATE) already does."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, insert, literal, select, text, update

from hotline.appeals.deadlines import ESCALATE_AFTER, policies
from hotline.appeals.effects import centre_id
from hotline.appeals.machine import TRANSITIONS
from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.permissions import RUN_SWEEP
from hotline.core.clock import format_local, now
from hotline.core.db import UTCDateTime, changed_in_bulk, planned_for_their_values, write_transaction
from hotline.core.extensions import db
from hotline.core.permissions import Actor
from hotline.grid.models import Unit
from hotline.notifications.operations import notify_many

# Where the sweep may open a card: the sources of the machine's "supervise" into supervised.
SUPERVISABLE = sorted(
    {t.source for t in TRANSITIONS if t.action == "supervise" and t.dest == "supervised" and t.source != "supervised"}
)
LATE = {"dispatched": "签收超期", "handling": "办结超期"}
# States in which a step's clock runs (warnings are per state: one event text per statement).
CLOCKED_STATES = ("accepted", "dispatched", "returning", "handling", "supervised", "replied", "revisiting")
# The steps of the desks that dispatch and review (the centre's 派单 and 审核, a return's
# review): overdue, they are reported once to the supervisors above, without a card.
DESK_STEPS = {"accepted": "受理后超期未派单", "returning": "退单超期未审核", "replied": "反馈超期未审核"}
# Which centre desk a warning of a state goes to (the units' steps warn the unit).
CENTRE_DESKS = {"accepted": "dispatcher", "returning": "dispatcher", "replied": "dispatcher", "revisiting": "visitor"}
# The centre sits at the city: a 通报 never goes above it.
TOP_LEVELS = ("city", "province")
ADVISORY_LOCK = 0x12345  # pg_try_advisory_xact_lock key of the sweep


@dataclass
class SweepReport:
    warned: int = 0
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    reported: int = 0  # desks' own steps overdue, reported to their supervisors
    skipped: bool = False  # another sweep held the lock

    @property
    def changed(self) -> int:
        return self.warned + self.yellow + self.red + self.escalated + self.reported


def sweep(at: datetime | None = None) -> SweepReport:
    at = at or now()
    with write_transaction(db.session):
        if not _exclusive():
            return SweepReport(skipped=True)
        sweeper = _Sweep(at)
        # Each statement's plan depends on its moment and state (a generic plan for
        # "state = $1" read every open appeal of the state: 0.4 s per rung when idle).
        with planned_for_their_values(db.session):
            report = SweepReport(
                warned=sweeper.warn(),
                yellow=sweeper.yellow(),
                red=sweeper.red(),
                escalated=sweeper.escalate(),
                reported=sweeper.report_desk_steps(),
            )
            sweeper.send_notices()
        changed_in_bulk(db.session)
    return report


def sweep_now(actor: Actor) -> SweepReport:
    """An administrator runs a sweep by hand (the scheduler runs one every minute)."""
    RUN_SWEEP.require(actor)
    return sweep()


def _exclusive() -> bool:
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    # Every connection runs without JIT compilation already (core.db.configure_postgres).
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK}).scalar())


@dataclass(frozen=True)
class Changed:
    """Rows one statement changed, per (unit, unit chasing it); `sample` is one of their ids."""

    unit_id: int | None
    chasing_unit_id: int | None
    count: int
    sample: int


@dataclass(frozen=True)
class Logged:
    """The event every row of one statement gets."""

    action: str
    from_state: str
    to_state: str
    note: str
    payload: dict


class _Sweep:
    def __init__(self, at: datetime):
        self.at = at
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.notices: dict[tuple[int, str | None, str], list[Changed]] = defaultdict(list)
        self.centre_id = centre_id()

    def _moment(self, value: datetime):
        """A time as a SQL literal. Literals carry no column type: give them the UTC one, or
        SQLite would store local wall time."""
        return literal(value, UTCDateTime())

    def _change(self, where: tuple, values: dict, logged: Logged | None) -> list[Changed]:
        if not db.session.scalar(select(exists().where(*where))):  # cheap when the list is empty
            return []
        stmt = (
            update(Appeal)
            .where(*where)
            .values(version=Appeal.version + 1, updated_at=self.at, **values)
            .returning(Appeal.id, Appeal.current_unit_id, Appeal.escalated_to_unit_id)
        )
        if self.postgres:
            return self._change_in_one_statement(stmt, logged)
        rows = db.session.execute(stmt.execution_options(synchronize_session=False)).all()
        if logged and rows:
            db.session.execute(insert(AppealEvent), [self._event_row(r.id, logged) for r in rows])
        groups: dict[tuple, list[int]] = defaultdict(list)
        for r in rows:
            groups[(r.current_unit_id, r.escalated_to_unit_id)].append(r.id)
        return [Changed(u, c, len(ids), ids[0]) for (u, c), ids in groups.items()]

    def _change_in_one_statement(self, stmt, logged: Logged | None) -> list[Changed]:
        changed = stmt.cte("changed")
        summary = select(
            changed.c.current_unit_id, changed.c.escalated_to_unit_id, func.count(), func.min(changed.c.id)
        ).group_by(changed.c.current_unit_id, changed.c.escalated_to_unit_id)
        if logged:
            columns = self._event_row(None, logged)
            del columns["appeal_id"]
            logging = (
                insert(AppealEvent)
                .from_select(
                    ["appeal_id", *columns],
                    select(changed.c.id, *(literal(v, AppealEvent.__table__.c[k].type) for k, v in columns.items())),
                )
                .cte("logged")
            )
            summary = summary.add_cte(logging)
        return [Changed(*row) for row in db.session.execute(summary)]

    def _event_row(self, appeal_id: int | None, logged: Logged) -> dict:
        return {
            "appeal_id": appeal_id,
            "at": self.at,
            "actor_id": None,
            "unit_id": None,
            "action": logged.action,
            "from_state": logged.from_state,
            "to_state": logged.to_state,
            "target_unit_id": None,
            "note": logged.note,
            "payload": logged.payload,
        }

    def _notice(self, unit_id: int | None, role: str | None, what: str, group: Changed) -> None:
        if unit_id is not None:
            self.notices[(unit_id, role, what)].append(group)

    # ------------------------------------------------------------ the rungs

    def warn(self) -> int:
        pending = Appeal.warning_pending_at <= self.at
        # Those overdue already are the yellow rung's (one change, one version); an overdue
        # clock elsewhere (回访) just leaves the work list without a warning.
        self._change(
            (pending, Appeal.sla_due_at <= self.at, Appeal.state.not_in(SUPERVISABLE)),
            {"warning_pending_at": None},
            None,
        )
        groups = []
        for state in CLOCKED_STATES:
            groups += [
                (state, g)
                for g in self._change(
                    (pending, Appeal.sla_due_at > self.at, Appeal.state == state),
                    {"warning_pending_at": None},
                    Logged("warn", state, state, "即将超期", {}),
                )
            ]
        for state, group in groups:
            # The centre's own steps warn its desk (a unit reviewing a return: the unit).
            if state in CENTRE_DESKS and (state != "returning" or group.unit_id is None):
                self._notice(self.centre_id, CENTRE_DESKS[state], "warning", group)
            else:
                self._notice(group.unit_id, None, "warning", group)
        return sum(g.count for _, g in groups)

    def report_desk_steps(self) -> int:
        total = 0
        for state, late in DESK_STEPS.items():
            groups = self._change(
                (Appeal.next_escalation_at <= self.at, Appeal.state == state, Appeal.supervision_level.is_(None)),
                {"next_escalation_at": None},
                Logged("overdue", state, state, f"{late}，已报督办员", {"reason": late}),
            )
            for g in groups:
                # The centre's steps go to its own supervisors; a unit's review of a return
                # to the supervisors of the level above it.
                chasing = g.chasing_unit_id if state == "returning" and g.unit_id is not None else None
                self._notice(chasing or self.centre_id, "supervisor", f"overdue-{state}", g)
                total += g.count
        return total

    def yellow(self) -> int:
        if not db.session.scalar(select(exists().where(Appeal.state.in_(SUPERVISABLE), Appeal.sla_due_at < self.at))):
            return 0
        red_after = case(
            *[
                (and_(Appeal.urgency == u, Appeal.type == t), self._moment(p.red_after.due_from(self.at)))
                for (u, t), p in policies().items()
            ],
            else_=self._moment(self.at),
        )
        total = 0
        for state in SUPERVISABLE:
            groups = self._change(
                (Appeal.state == state, Appeal.sla_due_at < self.at),
                {
                    "state": "supervised",
                    "supervision_level": "yellow",
                    "supervised_at": self.at,
                    "warning_pending_at": None,
                    "next_escalation_at": red_after,
                },
                Logged(
                    "supervise",
                    state,
                    "supervised",
                    f"{LATE[state]}，系统自动亮黄牌督办",
                    {"level": "yellow", "auto": True, "reason": LATE[state]},
                ),
            )
            for g in groups:
                self._notice(g.unit_id, None, "yellow", g)
                self._notice(g.chasing_unit_id, "supervisor", "yellow-below", g)
                total += g.count
        return total

    def _still_overdue(self, level: str) -> tuple:
        return (
            Appeal.next_escalation_at <= self.at,
            Appeal.state == "supervised",
            Appeal.supervision_level == level,
            Appeal.sla_due_at < self.at,
        )

    def red(self) -> int:
        groups = self._change(
            self._still_overdue("yellow"),
            {
                "supervision_level": "red",
                "supervised_at": self.at,
                "next_escalation_at": ESCALATE_AFTER.due_from(self.at),
            },
            Logged(
                "supervise",
                "supervised",
                "supervised",
                "黄牌督办后仍超期，系统自动升级为红牌",
                {"level": "red", "auto": True, "reason": "黄牌后仍超期"},
            ),
        )
        for g in groups:
            self._notice(g.unit_id, None, "red", g)
            self._notice(g.chasing_unit_id, "supervisor", "red-below", g)
            self._notice(self.centre_id, "supervisor", "red-below", g)
        return sum(g.count for g in groups)

    def escalate(self) -> int:
        top = select(Unit.id).where(Unit.level.in_(TOP_LEVELS))
        above = select(Unit.parent_id).where(Unit.id == Appeal.escalated_to_unit_id).scalar_subquery()
        groups = self._change(
            (*self._still_overdue("red"), Appeal.escalated_to_unit_id.not_in(top)),
            {"escalated_to_unit_id": above, "next_escalation_at": ESCALATE_AFTER.due_from(self.at)},
            Logged("escalate", "supervised", "supervised", "红牌督办后仍超期，通报上一级", {}),
        )
        for g in groups:
            self._notice(g.chasing_unit_id, "supervisor", "escalate", g)
        # At the top the ladder ends; take those rows off the work list.
        self._change(self._still_overdue("red"), {"next_escalation_at": None}, None)
        return sum(g.count for g in groups)

    # ------------------------------------------------------------ notices

    _TEXT = {
        "warning": ("warning", "临期预警：{title}", "临期预警：{n} 件工单即将超期", "sla=warning"),
        "yellow": ("supervise", "黄牌督办：{title}", "黄牌督办：本单位 {n} 件工单超期", "state=supervised"),
        "yellow-below": ("supervise", "下级黄牌督办：{title}", "下级单位 {n} 件工单超期被黄牌督办", "state=supervised"),
        "red": ("supervise", "红牌督办：{title}", "红牌督办：本单位 {n} 件工单黄牌后仍超期", "state=supervised"),
        "red-below": ("supervise", "下级红牌督办：{title}", "下级单位 {n} 件工单被红牌督办", "state=supervised"),
        "escalate": ("escalate", "通报：{title}", "通报：下级单位 {n} 件工单红牌督办后仍超期", "state=supervised"),
        "overdue-accepted": (
            "supervise",
            "超期未派单：{title}",
            "{n} 件工单受理后超期未派单",
            "state=accepted&sla=overdue",
        ),
        "overdue-returning": (
            "supervise",
            "退单超期未审核：{title}",
            "{n} 件退单超期未审核",
            "state=returning&sla=overdue",
        ),
        "overdue-replied": (
            "supervise",
            "反馈超期未审核：{title}",
            "{n} 件反馈超期未审核",
            "state=replied&sla=overdue",
        ),
    }

    def send_notices(self) -> None:
        """One notice per unit and kind: about the appeal when it is one, else a count."""
        singles = {g.sample for groups in self.notices.values() if sum(x.count for x in groups) == 1 for g in groups}
        appeals = {
            a.id: a
            for a in db.session.execute(
                select(Appeal.id, Appeal.number, Appeal.title, Appeal.sla_due_at).where(Appeal.id.in_(singles))
            )
        }
        rows = []
        for (unit_id, role, what), groups in self.notices.items():
            kind, one, many, query = self._TEXT[what]
            count = sum(g.count for g in groups)
            if count == 1:
                a = appeals[groups[0].sample]
                title, link, appeal_id = one.format(title=a.title), f"/appeals/{a.id}", a.id
                body = f"工单 {a.number}，时限 {format_local(a.sla_due_at)}。"
            else:
                # The list of them, within the unit's area (the centre sees everything anyway).
                area = "" if unit_id == self.centre_id else f"&unit={unit_id}"
                title, link, appeal_id, body = many.format(n=count), f"/appeals?{query}{area}", None, None
            rows.append(
                {
                    "unit_id": unit_id,
                    "role": role,
                    "kind": kind,
                    "title": title[:200],
                    "body": body,
                    "link": link,
                    "appeal_id": appeal_id,
                    "created_at": self.at,
                }
            )
        notify_many(rows)
