"""The appeal (诉求/工单), its event log, its co-handling units and extension requests,
the number counter, and the SLA policy table its deadlines come from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, and_, event, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import Model
from hotline.core.vocabulary import UNRATED
from hotline.grid.models import Unit
from hotline.knowledge.models import KnowledgeEntry

# Open appeals: every state but the final ones (hotline.appeals.states.FINAL_STATES).
OPEN_ONLY = "state NOT IN ('evaluated', 'merged', 'voided')"


def _partial(name: str, column: str, where: str) -> Index:
    return Index(name, column, postgresql_where=text(where), sqlite_where=text(where))


class Appeal(Model):
    __tablename__ = "appeals"
    # Every index costs each update of an appeal (a bulk sweep changes 100,000 rows at a
    # time), so there are few, and the work lists are partial indexes: a row leaves the
    # index when it leaves the list. bench/sweep.py measures the price.
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        # "My area" lists and counts: a range per unit of the subtree, from the index alone.
        Index("ix_appeals_current_unit_sla_due_at", "current_unit_id", "sla_due_at"),
        # Open appeals by state, newest first: the centre's queues (待派单, 在办, 待审核) and
        # their counts read from the index alone (the centre's 在办 count: 169 ms → 2 ms at
        # ten million appeals). Closed appeals, nine in ten, are not in it.
        Index(
            "ix_appeals_open_state_id",
            "state",
            "id",
            postgresql_where=text(OPEN_ONLY),
            sqlite_where=text(OPEN_ONLY),
        ),
        # The sweep: unsigned or in hand, by deadline; warnings to give; the next rung.
        _partial("ix_appeals_running_sla_due_at", "sla_due_at", "state IN ('dispatched', 'handling')"),
        _partial("ix_appeals_warning_pending_at", "warning_pending_at", "warning_pending_at IS NOT NULL"),
        _partial("ix_appeals_next_escalation_at", "next_escalation_at", "next_escalation_at IS NOT NULL"),
        _partial("ix_appeals_merged_into_id", "merged_into_id", "merged_into_id IS NOT NULL"),
        _partial("ix_appeals_repeat_of_id", "repeat_of_id", "repeat_of_id IS NOT NULL"),
        # Periods (the assessment, ledgers, reports). Like every index it takes a new entry
        # for each row the sweep changes (a change of state is never a HOT update).
        Index("ix_appeals_received_at", "received_at"),
        # A unit's appeals of a period (its assessment): one range per unit of a subtree
        # (a district's month: 29 s without it, 11 ms with it; about a tenth more sweep time).
        Index("ix_appeals_main_unit_id_received_at", "main_unit_id", "received_at"),
        # 来电历史: a caller's appeals by phone, while they are on the line, and by name.
        Index("ix_appeals_citizen_phone", "citizen_phone"),
        # Columns most appeals leave empty are only ever looked up by a value: their rows
        # alone are indexed, and a change to any other appeal adds no entry to these.
        _partial("ix_appeals_citizen_name", "citizen_name", "citizen_name IS NOT NULL"),
        _partial("ix_appeals_police_incident", "police_incident", "police_incident IS NOT NULL"),
        _partial("ix_appeals_check_unit_id", "check_unit_id", "check_unit_id IS NOT NULL"),
        # Duplicates (重复诉求): the recent appeals of a grid and of the grids around it.
        Index("ix_appeals_grid_id_received_at", "grid_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # 工单编号
    query_code: Mapped[str] = mapped_column(String(6))  # 查询码, told to the citizen with the number
    channel: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(4))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    urgency: Mapped[str] = mapped_column(String(4), default="一般")
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)

    # 诉求人
    citizen_name: Mapped[str | None] = mapped_column(String(50))
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    citizen_address: Mapped[str | None] = mapped_column(String(200))
    is_confidential: Mapped[bool] = mapped_column(default=False)  # 保密
    is_anonymous: Mapped[bool] = mapped_column(default=False)  # 匿名
    is_enterprise: Mapped[bool] = mapped_column(default=False)  # 涉企
    enterprise_name: Mapped[str | None] = mapped_column(String(100))
    enterprise_credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码

    # Where the problem is.
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # Where the point routes to: its grid, else the smallest area containing it, with
    # the reason when it is not a grid (or when there is no point at all).
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place_note: Mapped[str | None] = mapped_column(String(200))

    state: Mapped[str] = mapped_column(String(16), default="accepted")
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    main_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The unit that sent it to the current unit; NULL means the centre did.
    dispatched_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    designated: Mapped[bool] = mapped_column(default=False)  # centre-designated after 3 returns
    supervision_level: Mapped[str | None] = mapped_column(String(8))  # open 督办 card
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    # 重复诉求: an earlier, closed appeal about the same problem (this one is handled all the same).
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    void_reason: Mapped[str | None] = mapped_column(String(20))

    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    visited_at: Mapped[datetime | None]
    # 响应: the unit must contact the citizen by `contact_due_at`; reset when a new unit receives it.
    contact_due_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # Deadlines of each step, and the clock that runs now (NULL when none does): the
    # SLA status is a comparison of `sla_warn_at` / `sla_due_at` with the time, in SQL.
    dispatch_due_at: Mapped[datetime | None]  # the centre's: 派单 after 受理
    sign_due_at: Mapped[datetime | None]
    return_due_at: Mapped[datetime | None]
    # The reviewer refused this unit's 退单 (派单异议审核): it handles the appeal, no second try.
    return_rejected_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    review_due_at: Mapped[datetime | None]  # the centre's: 审核 after the reply
    visit_due_at: Mapped[datetime | None]
    # 回访 calls that did not reach the citizen, on different half-days (this round's).
    visit_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_visit_attempt_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    sla_warn_at: Mapped[datetime | None]
    # The escalation sweep's work list, each column NULL once done, so a sweep touches only
    # the rows it changes: the warning still to give, and the next rung of the 督办 ladder.
    warning_pending_at: Mapped[datetime | None]
    supervised_at: Mapped[datetime | None]  # the last card
    next_escalation_at: Mapped[datetime | None]
    # Whose supervisors chase a card against the current unit: the level above it, kept
    # up to date as the unit changes, and raised by 通报.
    escalated_to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    dispatch_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)

    # Outcome: the unit's report, the text the citizen is told, the unit's own claim of
    # resolution, and the citizen's answers at the return visit.
    result: Mapped[str | None] = mapped_column(Text)
    public_reply: Mapped[str | None] = mapped_column(Text)
    reply_resolved: Mapped[str | None] = mapped_column(String(4))
    resolved: Mapped[str | None] = mapped_column(String(4))
    satisfaction: Mapped[str] = mapped_column(String(5), default=UNRATED)
    # The citizen's answer to 是否联系过您 (behind the official 响应率), and who rated: the
    # visitor's call ("visit") or the citizen on the tracking page or its SMS link ("citizen").
    citizen_contacted: Mapped[bool | None]
    rated_via: Mapped[str | None] = mapped_column(String(8))
    rated_at: Mapped[datetime | None]
    # 申诉复核 upheld: the appeal no longer counts in its unit's assessment.
    assessment_excluded: Mapped[bool] = mapped_column(default=False, server_default=false())
    # 监督: why this round is audited by a person (差评、涉企 …, 抽查); NULL when it passed
    # by itself. A field-check category's 核查 waits for the unit of its place (the grid):
    # `check_unit_id` until it is done, `checked_at` once it passed.
    audit_reason: Mapped[str | None] = mapped_column(String(60))
    # 12345 ↔ 110: the 110 incident number it came with or was handed over under, and 先行受理
    # (the centre holds a case whose responsibility between 110 and 12345 is unclear).
    police_incident: Mapped[str | None] = mapped_column(String(32))
    held_first: Mapped[bool] = mapped_column(default=False, server_default=false())
    check_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    checked_at: Mapped[datetime | None]
    # 直接答复 from the knowledge base: the entry, and its version, that answered it.
    knowledge_entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id"))
    knowledge_version: Mapped[int | None]

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship(lazy="joined")
    current_unit: Mapped[Unit | None] = relationship(foreign_keys=[current_unit_id], lazy="joined")
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id])
    escalated_to_unit: Mapped[Unit | None] = relationship(foreign_keys=[escalated_to_unit_id])
    place_unit: Mapped[Unit | None] = relationship(foreign_keys=[place_unit_id])
    main_unit: Mapped[Unit | None] = relationship(foreign_keys=[main_unit_id])
    dispatched_by_unit: Mapped[Unit | None] = relationship(foreign_keys=[dispatched_by_unit_id])
    check_unit: Mapped[Unit | None] = relationship(foreign_keys=[check_unit_id])
    merged_into: Mapped[Appeal | None] = relationship(foreign_keys=[merged_into_id], remote_side=[id])
    repeat_of: Mapped[Appeal | None] = relationship(foreign_keys=[repeat_of_id], remote_side=[id])
    created_by: Mapped[User | None] = relationship()
    knowledge_entry: Mapped[KnowledgeEntry | None] = relationship()
    co_units: Mapped[list[AppealCoUnit]] = relationship(
        cascade="all, delete-orphan", back_populates="appeal", order_by="AppealCoUnit.unit_id"
    )
    events: Mapped[list[AppealEvent]] = relationship(back_populates="appeal", order_by="AppealEvent.id", viewonly=True)
    extensions: Mapped[list[Extension]] = relationship(
        back_populates="appeal", order_by="Extension.id", cascade="all, delete-orphan"
    )
    pauses: Mapped[list[Pause]] = relationship(
        back_populates="appeal", order_by="Pause.id", cascade="all, delete-orphan"
    )
    contests: Mapped[list[Contest]] = relationship(
        back_populates="appeal", order_by="Contest.id", cascade="all, delete-orphan"
    )
    police_handovers: Mapped[list[PoliceHandover]] = relationship(
        back_populates="appeal", order_by="PoliceHandover.id", cascade="all, delete-orphan"
    )

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.status == "pending"), None)

    @property
    def pending_pause(self) -> Pause | None:
        return next((p for p in self.pauses if p.status == "pending"), None)

    @property
    def pending_contest(self) -> Contest | None:
        return next((c for c in self.contests if c.status == "pending"), None)

    @property
    def running_pause(self) -> Pause | None:
        """The approved pause the appeal is in (state paused)."""
        return next((p for p in self.pauses if p.status == "active"), None)

    def __repr__(self) -> str:
        return f"<Appeal {self.number} {self.state}>"


class AppealCoUnit(Model):
    """A 协办 unit of a 联办 appeal."""

    __tablename__ = "appeal_co_units"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    signed_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    report: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship(back_populates="co_units")
    unit: Mapped[Unit] = relationship(lazy="joined")


class AppealReach(Model):
    """Which units an appeal has reached: every unit it was sent to, held by or co-handled
    by, and every unit above those (an area sees what reached its subtree). Written by the
    action that reaches a unit (`visibility.record_reach`), never removed: a unit keeps
    seeing what it once received. A unit's appeals are one range of the primary key, so
    its lists and counts read an index instead of testing every appeal."""

    __tablename__ = "appeal_reach"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    # No index of its own: appeals are never deleted, and every read starts from the unit.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)


class AppealOpenReach(Model):
    """The reach rows of the appeals still open: what a unit's lists of work in hand,
    overdue or near its deadline search, without passing over everything it ever closed.
    Written with the reach rows; all of an appeal's rows go when it closes (评价, 并单, 无效)."""

    __tablename__ = "appeal_open_reach"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, index=True)


class AppealEvent(Model):
    """Append-only log: one row per action, written in the action's transaction."""

    __tablename__ = "appeal_events"
    # Only dispatches, transfers and returns name a target unit (visibility looks them up).
    __table_args__ = (
        _partial("ix_appeal_events_target_unit_id", "target_unit_id", "target_unit_id IS NOT NULL"),
        # 督办 cards, counted by the assessment: a few events among many.
        _partial("ix_appeal_events_supervise_appeal_id", "appeal_id", "action = 'supervise'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # NULL: the system
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the actor's unit
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    # The unit the appeal was sent to by this action (dispatch, redispatch, return).
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(default=dict)

    appeal: Mapped[Appeal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id], lazy="joined")
    target_unit: Mapped[Unit | None] = relationship(foreign_keys=[target_unit_id], lazy="joined")


# A red 督办 card, by hand or by the sweep: the assessment counts them, 监督 always audits
# an appeal that had one.
RED_CARD_EVENT = and_(AppealEvent.action == "supervise", AppealEvent.payload["level"].as_string() == "red")


@event.listens_for(AppealEvent, "before_update")
@event.listens_for(AppealEvent, "before_delete")
def _events_are_append_only(_mapper, _connection, target):
    raise RuntimeError(f"appeal events are append-only (event {target.id})")


class Extension(Model):
    """A 延期 request and the supervisor's decision on it."""

    __tablename__ = "appeal_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    working_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    # 长周期: beyond the policy's times and days, decided by the centre's supervisors.
    long_cycle: Mapped[bool] = mapped_column(default=False, server_default=false())
    # pending/approved/rejected, or withdrawn: the unit replied before a decision
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    previous_due_at: Mapped[datetime | None]
    new_due_at: Mapped[datetime | None]

    appeal: Mapped[Appeal] = relationship(back_populates="extensions")


class Pause(Model):
    """A 挂起/缓办: the unit asks to stop the clock (waiting for the citizen, a court, the
    season …) until a date; a supervisor decides. While it runs (status active) the appeal
    is in state paused and its deadline counts neither as on time nor as overdue; when it
    ends (by hand, or by the sweep on `resume_at`) the time that was left is given back."""

    __tablename__ = "appeal_pauses"
    __table_args__ = (
        # The sweep's list: running pauses by the moment they end.
        Index(
            "ix_appeal_pauses_active_resume_at",
            "resume_at",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(10))  # PAUSE_KINDS: 等待市民, 司法程序 …
    reason: Mapped[str] = mapped_column(Text)
    resume_at: Mapped[datetime]  # the start of the expected resume day
    # pending → active (approved) → ended; or rejected, or withdrawn (the unit replied first)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    due_at_paused: Mapped[datetime | None]  # the deadline when the clock stopped
    resumed_at: Mapped[datetime | None]
    resumed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # NULL: the sweep, on the date
    due_at_resumed: Mapped[datetime | None]  # the deadline with the time that was left

    appeal: Mapped[Appeal] = relationship(back_populates="pauses")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


class Contest(Model):
    """申诉复核: the handling unit contests a 差评, or says the demand was a 不合理诉求 or
    has had its 最终答复, with the basis; the centre's supervisors decide. Upheld, the
    appeal leaves the unit's assessment; either way the decision is kept."""

    __tablename__ = "appeal_contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(6))  # CONTEST_KINDS
    basis: Mapped[str] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(5))  # the rating contested, as it was
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/upheld/dismissed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship(back_populates="contests")
    unit: Mapped[Unit] = relationship(lazy="joined")


class PoliceHandover(Model):
    """12345 ↔ 110 (国办发〔2022〕12号): an appeal handed to 110 (转110: the call is put through
    and the appeal voided, with the 110 desk's receipt — who took it and the incident
    number) or from it (110转入: the appeal keeps the incident number), and 110's feedback
    on what it did, when it comes."""

    __tablename__ = "police_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # HANDOVER_DIRECTIONS: to_110 / from_110
    incident_number: Mapped[str | None] = mapped_column(String(32))
    handed_at: Mapped[datetime]
    desk: Mapped[str | None] = mapped_column(String(50))  # the 110 desk or officer on the other end
    reason: Mapped[str | None] = mapped_column(Text)
    receipt_at: Mapped[datetime | None]  # when the other side acknowledged it
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    appeal: Mapped[Appeal] = relationship(back_populates="police_handovers")


class Deduction(Model):
    """Points a unit loses in its assessment for one appeal: 虚假办结 found by the 核查 on the
    spot or by the centre's 监督. Written with the action that found it; never changed."""

    __tablename__ = "assessment_deductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    points: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AuditShare(Model):
    """The share of a unit's appeals the centre audits (监督抽查) once rated, for the unit
    and the units below it (the nearest row above a unit counts; none: the setting)."""

    __tablename__ = "audit_shares"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    share: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    unit: Mapped[Unit] = relationship(lazy="joined")


class SlaCategoryLimit(Model):
    """A category's own ceiling on the urgency × type limits (供水/供电/供气/供暖: 24 h):
    an appeal of the category or of a category below it is due by the earlier of the two.
    Editable by administrators beside the SLA policy table."""

    __tablename__ = "sla_category_limits"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    sign: Mapped[str | None] = mapped_column(String(8))
    handle: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    category: Mapped[Category] = relationship(lazy="joined")


class OpenCount(Model):
    """The open appeals held by one unit (None: the centre's queue), by SLA status and
    card, as the scheduler counted them at `counted_at`. The dashboard rolls these rows up
    instead of counting a province's open appeals on every view; the whole set is replaced
    each minute in one transaction."""

    __tablename__ = "open_appeal_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    open: Mapped[int]
    on_time: Mapped[int]
    warning: Mapped[int]
    overdue: Mapped[int]
    yellow: Mapped[int]
    red: Mapped[int]
    counted_at: Mapped[datetime]


class OpenCategoryCount(Model):
    """The open appeals held by one unit (None: the centre's queue) of one kind of problem
    (a top-level category: `category_id` names it), as the scheduler counted them with
    `OpenCount` (the dashboard's category × area table)."""

    __tablename__ = "open_category_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    open: Mapped[int]
    counted_at: Mapped[datetime]


class OpenPlaceCount(Model):
    """The open appeals placed in one grid and held by one unit (None: the centre's queue),
    and how many of them are overdue, as the scheduler counted them with `OpenCount` (the
    dashboard's map: where the open and overdue appeals are)."""

    __tablename__ = "open_place_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    open: Mapped[int]
    overdue: Mapped[int]
    counted_at: Mapped[datetime]


class AppealNumberCounter(Model):
    """Last sequence issued per local day and channel, for 工单编号."""

    __tablename__ = "appeal_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    last: Mapped[int]


class SlaPolicy(Model):
    """Time limits for one urgency × type, editable by administrators.
    Limits are written "30min", "24h", "10wd" (working days), "0.5wd" or "15d" (calendar days)."""

    __tablename__ = "sla_policies"

    urgency: Mapped[str] = mapped_column(String(4), primary_key=True)
    type: Mapped[str] = mapped_column(String(4), primary_key=True)
    dispatch: Mapped[str] = mapped_column(String(8))  # the centre's 派单 after 受理
    sign: Mapped[str] = mapped_column(String(8))  # 签收 after dispatch
    return_window: Mapped[str] = mapped_column(String(8))  # 退单 window after dispatch
    handle: Mapped[str] = mapped_column(String(8))  # 办结 + reply, from dispatch
    review: Mapped[str] = mapped_column(String(8))  # the centre's 审核 after the reply
    visit: Mapped[str] = mapped_column(String(8))  # 回访 after approval
    reopen: Mapped[str] = mapped_column(String(8))  # 重办 after 不满意
    red_after: Mapped[str] = mapped_column(String(8))  # yellow card → red card if still overdue
    extension_times: Mapped[int]
    extension_max_days: Mapped[int]
    reopen_rounds: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class DailyActivity(Model):
    """One day's work of one unit (None: appeals the centre has not sent out): appeals
    received, closed (评价) and carded (督办), counted by the unit that handles them. The
    `activity-days` job counts the last days again each hour; the dashboard's 30-day trend
    sums these rows over the viewer's area, and counts today live."""

    __tablename__ = "daily_activity"
    # A unit's days are one range each (a district sums its 400 units' rows): without it,
    # freshly counted rows with no statistics yet made PostgreSQL scan the days once per unit.
    __table_args__ = (Index("ix_daily_activity_day", "day"), Index("ix_daily_activity_unit_day", "unit_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    day: Mapped[date]
    received: Mapped[int]
    closed: Mapped[int]
    carded: Mapped[int]
