"""Lists of appeals: the filters both the pages and the API offer, done in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from flask import current_app
from pydantic import Field, field_validator
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true, union

from hotline.appeals.deadlines import HOLDER, sla_status_sql
from hotline.appeals.models import Appeal, Contest, Extension, Pause
from hotline.appeals.permissions import LOOK_UP_CALLER
from hotline.appeals.schemas import POLICE_INCIDENT
from hotline.appeals.states import FINAL_STATES, OPEN_STATES, State
from hotline.appeals.visibility import visible_clause, visible_ids, visible_saying
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core import audit
from hotline.core.clock import start_of
from hotline.core.db import write_transaction
from hotline.core.extensions import db
from hotline.core.pagination import MAX_PER_PAGE, PageQuery, paginate
from hotline.core.validation import Id, SaneDate, normalize_phone, phone_or_none
from hotline.core.vocabulary import AppealType, Channel, Urgency
from hotline.grid.models import Unit


class AppealFilter(PageQuery):
    state: str | None = Field(None, description="状态，可用逗号分隔多个，如 dispatched,handling")
    unit: Id | None = Field(None, description="当前承办单位及其下级单位")
    held: Literal["own", "below"] | None = Field(
        None,
        description="own：只列当前环节在本人所在单位的（热线中心：待派单、退单审核、审核、回访、监督；单位：不含下级单位的）；"
        "below：只列在下级单位的",
    )
    holder: Id | None = Field(None, description="当前环节在该单位本身的（不含下级单位）")
    grid: Id | None = Field(None, description="问题地点所在的网格")
    card: Literal["yellow", "red"] | None = Field(None, description="督办牌：yellow 黄牌，red 红牌")
    overdue: bool | None = Field(None, description="true：当前步骤已超期；false：未超期")
    sla: Literal["on_time", "warning", "overdue"] | None = None
    channel: Channel | None = None
    type: AppealType | None = None
    urgency: Urgency | None = None
    category: str | None = Field(None, max_length=16, description="分类编码（含下级分类）")
    q: str | None = Field(
        None,
        max_length=100,
        description="工单编号，或标题、地址、内容中的词（中文两字即可，多个词须同时出现）；"
        "热线中心与市民联系的人员还可输入诉求人姓名或完整电话（电话查询记入审计日志）",
    )
    phone: str | None = Field(
        None,
        max_length=30,
        description="来电历史：诉求人的完整电话号码（+86、空格、横线均可），未办结的排在前面；每次查询都记入审计日志",
    )
    police_incident: str | None = Field(None, pattern=POLICE_INCIDENT, description="110警情编号：与110对接的诉求")
    received_from: SaneDate | None = None
    received_to: SaneDate | None = None
    before: Id | None = Field(None, description="游标翻页：只列出 id 小于此值的诉求（传上一页最后一条的 id）")
    awaiting: Literal["decision", "check", "request"] | None = Field(
        None,
        description=(
            "decision：有待本人审批的延期、挂起申请或待复核的申诉（长周期延期和申诉由热线中心审批）；"
            "check：待本单位现场核查；request：本单位提出、尚待上级决定的延期、挂起、退单、申诉"
        ),
    )
    order: Literal["new", "due"] = Field(
        "new", description="new：新登记的在前（默认）；due：当前环节时限最早的在前（如回访队列），不用游标翻页"
    )
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description=f"每页条数，最多{MAX_PER_PAGE}")

    @field_validator("state")
    @classmethod
    def _states(cls, value: str | None) -> str | None:
        if value:
            unknown = [s for s in value.split(",") if s not in frozenset(State)]
            if unknown:
                raise ValueError(f"未知状态：{','.join(unknown)}")
        return value or None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalize_phone(value) if value and value.strip() else None


def search_appeals(user: User, f: AppealFilter, at: datetime) -> tuple[list[Appeal], dict]:
    """The page of the user's visible appeals that match, newest registered first.

    The page is chosen among ids (from an index where it can be) and only its appeals are
    read, so a deep page does not read the appeals before it; a unit's unfiltered list is
    one range of its reach rows. Matches are counted up to HOTLINE_LIST_COUNT_LIMIT."""
    conditions: list[ColumnElement[bool]] = []
    if f.state:
        conditions.append(Appeal.state.in_(f.state.split(",")))
    if f.unit is not None:
        unit = db.session.get(Unit, f.unit)
        if unit is None:
            return paginate([], f)
        conditions.append(_in_subtree(unit))
    if f.held == "own":
        conditions.append(HOLDER.is_(None) if user.at_centre else HOLDER.is_not_distinct_from(user.unit_id))
    elif f.held == "below":
        conditions.append(HOLDER.is_not(None) if user.at_centre else HOLDER.is_distinct_from(user.unit_id))
    if f.holder is not None:
        conditions.append(HOLDER.is_not_distinct_from(f.holder))
    if f.grid is not None:
        conditions.append(Appeal.grid_id == f.grid)
    if f.card:
        conditions.append(Appeal.supervision_level == f.card)
    if f.police_incident:
        conditions.append(Appeal.police_incident == f.police_incident)
    if f.awaiting == "decision":
        conditions.append(_awaiting_decision(user))
    elif f.awaiting == "check":
        conditions.append(Appeal.check_unit_id == user.unit_id)
    elif f.awaiting == "request":
        conditions.append(_awaiting_own_request(user))
    if f.overdue is not None:
        conditions.append(
            Appeal.sla_due_at < at if f.overdue else or_(Appeal.sla_due_at.is_(None), Appeal.sla_due_at >= at)
        )
    if f.sla:
        conditions.append(sla_status_sql(at) == f.sla)
    for column, value in ((Appeal.channel, f.channel), (Appeal.type, f.type), (Appeal.urgency, f.urgency)):
        if value:
            conditions.append(column == value)
    if f.category:
        conditions.append(Appeal.category_id.in_(select(Category.id).where(Category.code.startswith(f.category))))
    by_words = False  # a search by words carries the visibility with it
    if f.q:
        condition, by_words = _words_or_caller(user, f.q.strip())
        conditions.append(condition)
    if f.phone:
        LOOK_UP_CALLER.require(user)
        conditions.append(Appeal.citizen_phone == f.phone)
        audit_phone_look_up(user, f.phone)
    if f.received_from:
        conditions.append(Appeal.received_at >= start_of(f.received_from))
    if f.received_to:
        conditions.append(Appeal.received_at < start_of(f.received_to + timedelta(days=1)))

    limit = current_app.config["HOTLINE_LIST_COUNT_LIMIT"]
    if by_words:
        # Counting a word's appeals reads each one's document: a word in one appeal of
        # twenty would read 200,000 of them to say "10,000"; 1,000 is enough to say "many".
        limit = min(limit, current_app.config["HOTLINE_SEARCH_COUNT_LIMIT"])
    if conditions or f.order == "due":
        if f.before is not None:
            conditions.append(Appeal.id < f.before)
        visible = true() if by_words else visible_clause(user, open_only=_only_open(f))
        ids = select(Appeal.id).where(visible, *conditions)
        if f.order == "due":  # the desk's queue: the most pressing first
            ids = ids.order_by(Appeal.sla_due_at.asc().nulls_last(), Appeal.id)
        else:
            # A caller's history shows what is still open first (what they are likely calling about).
            first = (case((Appeal.state.in_(FINAL_STATES), 1), else_=0),) if f.phone else ()
            ids = ids.order_by(*first, Appeal.id.desc())
    else:
        ids = visible_ids(user, before=f.before)
    page_ids, page = paginate(ids, f, count_limit=limit)
    if not page_ids:
        return [], page
    found = {a.id: a for a in db.session.scalars(select(Appeal).where(Appeal.id.in_(page_ids)))}
    return [found[i] for i in page_ids], page


def _words_or_caller(user: User, q: str) -> tuple[ColumnElement[bool], bool]:
    """What `q` names: a 工单编号; for those who may look callers up, a caller's full number
    (audited) or a caller's name (as a name is typed: exactly); otherwise the words of
    titles, addresses and contents, visible to the user. One kind at a time, each read from
    its own index (an OR of them would read every appeal). Says too whether it is a search
    by words."""
    if len(q) == 16 and q.isdigit():
        return Appeal.number == q, False
    if LOOK_UP_CALLER.allows(user):
        if (phone := phone_or_none(q)) is not None:
            audit_phone_look_up(user, phone)
            return Appeal.citizen_phone == phone, False
        if db.session.scalar(select(Appeal.id).where(Appeal.citizen_name == q).limit(1)) is not None:
            return Appeal.citizen_name == q, False
    words = visible_saying(user, q)
    return (words if words is not None else Appeal.id.is_(None)), True  # None: nothing searchable in it


def audit_phone_look_up(user: User, phone: str) -> None:
    """Who looked up whose full number, and when (PIPL: a caller's number is personal)."""
    with write_transaction(db.session):
        audit.record(user, "citizen_phone", None, "look_up", {"phone": phone})


def _only_open(f: AppealFilter) -> bool:
    """Whether the filter matches open appeals only: those states, a running clock (closed
    appeals run none), or a request waiting for a decision (a unit's supervisors decide
    only on open appeals; a 申诉 on a closed one is the centre's, which sees every appeal)."""
    if f.state and set(f.state.split(",")) <= OPEN_STATES:
        return True
    return f.overdue is True or f.sla is not None or f.awaiting is not None


def overdue_count(unit: Unit, at: datetime) -> int:
    """Appeals now with a unit in this unit's subtree whose running step is overdue."""
    return (
        db.session.scalar(select(func.count()).select_from(Appeal).where(_in_subtree(unit), Appeal.sla_due_at < at))
        or 0
    )


def _awaiting_decision(user: User) -> ColumnElement[bool]:
    """Appeals with a unit's request (延期, 挂起, 申诉) this supervisor decides: the centre's
    any, a unit's those of the units below it, 长周期 extensions and 申诉 being the centre's."""
    # The appeals named by the pending requests (a few hundred), not each appeal tested for
    # them: OR-ed EXISTS made PostgreSQL read all ten million (10 s at the centre).
    if user.at_centre:
        return Appeal.id.in_(union(_pending(Extension), _pending(Pause), _pending(Contest)))
    unit_decides = union(_pending(Extension).where(Extension.long_cycle.is_(False)), _pending(Pause))
    return and_(Appeal.current_unit_id != user.unit_id, Appeal.id.in_(unit_decides))


def _awaiting_own_request(user: User) -> ColumnElement[bool]:
    """Appeals whose 延期, 挂起, 退单 or 申诉 the user's unit asked for and nobody has
    decided yet (the unit's 待审批 tab)."""
    asked = union(_pending(Extension), _pending(Pause))
    contested = _pending(Contest).where(Contest.unit_id == user.unit_id)
    held = Appeal.current_unit_id == user.unit_id
    returning = and_(Appeal.state == State.RETURNING, Appeal.main_unit_id == user.unit_id)
    return or_(and_(held, Appeal.id.in_(asked)), returning, Appeal.id.in_(contested))


def _pending(request: type[Extension] | type[Pause] | type[Contest]) -> Select:
    """The appeals named by the requests of this kind that wait for a decision."""
    return select(request.appeal_id).where(request.status == "pending")


def _in_subtree(unit: Unit):
    return Appeal.current_unit_id.in_(select(Unit.id).where(Unit.subtree_clause(unit.path)))


def pending_requests(appeal_ids: list[int]) -> dict[int, list[str]]:
    """What waits for a decision on each of these appeals, in words (the 待审批 queue)."""
    waiting: dict[int, list[str]] = {i: [] for i in appeal_ids}
    for appeal_id, days, long_cycle in db.session.execute(
        select(Extension.appeal_id, Extension.working_days, Extension.long_cycle).where(
            Extension.appeal_id.in_(appeal_ids), Extension.status == "pending"
        )
    ):
        waiting[appeal_id].append(f"{'长周期' if long_cycle else ''}延期{days}个工作日")
    for appeal_id, kind in db.session.execute(
        select(Pause.appeal_id, Pause.kind).where(Pause.appeal_id.in_(appeal_ids), Pause.status == "pending")
    ):
        waiting[appeal_id].append(f"挂起（{kind}）")
    for appeal_id, kind in db.session.execute(
        select(Contest.appeal_id, Contest.kind).where(Contest.appeal_id.in_(appeal_ids), Contest.status == "pending")
    ):
        waiting[appeal_id].append(f"申诉（{kind}）")
    return waiting
