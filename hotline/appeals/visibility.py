"""Who may see which appeal, how much of it, and whose identity they may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    TextClause,
    and_,
    bindparam,
    delete,
    exists,
    false,
    select,
    text,
    true,
)
from sqlalchemy.orm import defaultload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from hotline.appeals.models import Appeal, AppealEvent, AppealOpenReach, AppealReach
from hotline.auth.models import User
from hotline.core.db import upsert
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.fulltext import APPEALS
from hotline.core.validation import MAX_ID, mask_name, mask_phone
from hotline.grid.models import Unit

# Centre roles that work with the citizen directly.
IDENTITY_ROLES = ("operator", "dispatcher", "visitor", "supervisor")


def visible_clause(user: User, *, open_only: bool = False) -> ColumnElement[bool]:
    """SQL condition on Appeal: the centre sees every appeal; a unit sees those that ever
    reached it or a unit below it (sent to, held by, co-handled by): one range of the
    reach table's primary key. `open_only`: the caller wants open appeals only, which are
    then read from the (much smaller) open reach rows."""
    sees = _sees(user)
    if sees != "reach":
        return true() if sees == "all" else false()
    return _within_reach(AppealOpenReach if open_only else AppealReach, user.unit_id)


def _sees(user: User) -> Literal["all", "none", "reach"]:
    """Which appeals a user sees: the centre's staff all, an inactive account none, the
    rest those that reached their unit."""
    if user.at_centre:
        return "all"
    return "reach" if user.active else "none"


def _within_reach(
    reach: type[AppealReach] | type[AppealOpenReach], unit_id: int | BindParameter[int]
) -> ColumnElement[bool]:
    return Appeal.id.in_(select(reach.appeal_id).where(reach.unit_id == unit_id))


def visible_ids(user: User, *, before: int | None = None) -> Select[tuple[int]]:
    """The ids of the appeals this user may see, newest first (below `before` if given):
    for a unit, one range of its reach rows, read from the index alone."""
    if user.at_centre:
        ids = select(Appeal.id).where(Appeal.id < before if before is not None else true())
        return ids.order_by(Appeal.id.desc())
    return (
        select(AppealReach.appeal_id)
        .where(
            AppealReach.unit_id == user.unit_id,
            AppealReach.appeal_id < before if before is not None else true(),
            true() if user.active else false(),
        )
        .order_by(AppealReach.appeal_id.desc())
    )


def record_reach(appeal_id: int, units: Iterable[Unit]) -> None:
    """Record, in the caller's transaction, that the (open) appeal reached these units:
    each of them and every unit above it may see it from now on (rows it already has are
    left as they are)."""
    codes = sorted({code for unit in units for code in unit.path.strip("/").split("/")})
    if not codes:
        return
    if APPEALS.keeps_scopes(db.session):  # PostgreSQL: one statement
        db.session.execute(_reach_statement(), {"codes": codes, "doc_id": appeal_id})
        return
    reached = list(db.session.scalars(select(Unit.id).where(Unit.code.in_(codes))))
    rows = [{"unit_id": unit_id, "appeal_id": appeal_id} for unit_id in reached]
    for table in (AppealReach, AppealOpenReach):
        db.session.execute(upsert(db.session, table).on_conflict_do_nothing(), rows)
    APPEALS.add_scopes(db.session, appeal_id, reached)


@cache
def _reach_statement() -> TextClause:
    """The units of :codes, recorded as reached by appeal :doc_id (each reach table, and
    the scopes of its search document): one statement of data-modifying CTEs."""
    rows = "SELECT id, CAST(:doc_id AS integer) FROM reached"
    reach, open_reach = AppealReach.__tablename__, AppealOpenReach.__tablename__
    return text(
        "WITH reached AS (SELECT id FROM units WHERE code = ANY(CAST(:codes AS varchar[]))), "
        f"seen AS (INSERT INTO {reach} (unit_id, appeal_id) {rows} ON CONFLICT DO NOTHING), "
        f"open_seen AS (INSERT INTO {open_reach} (unit_id, appeal_id) {rows} ON CONFLICT DO NOTHING) "
        + APPEALS.scopes_upsert("ARRAY(SELECT id FROM reached ORDER BY id)")
    )


def visible_saying(user: User, q: str) -> ColumnElement[bool] | None:
    """SQL condition on Appeal: visible to the user, and its title, address or content holds
    every word of `q` (None: nothing searchable in `q`). Where the search index keeps each
    appeal's reached units as its scopes (PostgreSQL), a unit's search reads both from that
    one GIN index: a district's appeals saying a word in one appeal of a hundred are then
    an intersection inside the index, not the word's 100,000 appeals of the province each
    tested against the district's reach rows."""
    if user.at_centre or not APPEALS.keeps_scopes(db.session):
        words = APPEALS.holds(db.session, Appeal.id, q)
        return None if words is None else and_(visible_clause(user), words)
    if not user.active:
        return false()
    return APPEALS.holds(db.session, Appeal.id, q, scope=user.unit_id)


def record_closed(appeal_id: int) -> None:
    """The appeal closed: it leaves every unit's lists of open work."""
    db.session.execute(delete(AppealOpenReach).where(AppealOpenReach.appeal_id == appeal_id))


def sees_whole(user: User, appeal: Appeal) -> bool:
    """The centre, and the units now (co-)handling the appeal (or checking it on the spot)
    and every unit above them."""
    if user.at_centre:
        return True
    handling = (appeal.current_unit, appeal.main_unit, appeal.check_unit, *(c.unit for c in appeal.co_units))
    return any(unit is not None and user.unit.contains(unit) for unit in handling)


@dataclass
class Part:
    """How much of a visible appeal a user sees. All of it while they (or a unit below
    them) handle it. A unit it has left (returned, passed on, taken away) keeps the appeal
    as it was given to them (the citizen's report and photos, masked identity, its state)
    and, of the timeline and photos, only its own part: what its people did, and what was
    addressed to it (being sent the appeal, a 督办 to it). Not the next unit's notes, photos
    and reply."""

    whole: bool
    ours: set[int] = field(default_factory=set)  # unit ids within the viewer's subtree

    @classmethod
    def of(cls, user: User, appeal: Appeal) -> Part:
        if sees_whole(user, appeal):
            return cls(True)
        named = {i for e in appeal.events for i in (e.unit_id, e.target_unit_id) if i is not None}
        ours = db.session.scalars(select(Unit.id).where(Unit.id.in_(named), Unit.subtree_clause(user.unit.path)))
        return cls(False, set(ours))

    def event(self, e: AppealEvent) -> bool:
        return (
            self.whole
            or e.action == "create"
            or e.unit_id in self.ours
            or e.target_unit_id in self.ours
            or e.payload.get("returned_by_unit_id") in self.ours  # the answer to its 退单
        )

    def events(self, appeal: Appeal) -> list[AppealEvent]:
        return [e for e in appeal.events if self.event(e)]

    def attachment(self, unit_id: int | None, uploaded_by_id: int | None) -> bool:
        """A photo: the citizen's own (no account), or one its people took."""
        return self.whole or uploaded_by_id is None or unit_id in self.ours


def can_see_identity(user: User, appeal: Appeal) -> bool:
    """Name and phone in full: centre staff who deal with citizens, and the handlers of
    the units now handling the appeal, except when it is 保密 or 匿名 (then never to a unit)."""
    if user.at_centre:
        return user.has_role(*IDENTITY_ROLES)
    if appeal.is_confidential or appeal.is_anonymous or not user.has_role("handler"):
        return False
    handling = {appeal.current_unit_id, appeal.main_unit_id, *(c.unit_id for c in appeal.co_units)}
    return user.unit_id in handling


def citizen_identity(user: User, appeal: Appeal) -> dict:
    """The 诉求人 as this user may see them: in full, or masked (no address at all)."""
    full = can_see_identity(user, appeal)
    return {
        "name": appeal.citizen_name if full else mask_name(appeal.citizen_name),
        "phone": appeal.citizen_phone if full else mask_phone(appeal.citizen_phone),
        "address": appeal.citizen_address if full else None,
        "masked": not full,
    }


# An appeal's rows of each kind (co-units, extensions, pauses, contests, 110 hand-overs):
# most appeals have none of most kinds, so its statement asks only whether there are any;
# a kind it has is read next, one statement per kind. (Joined to the appeal, the five kinds
# and their units made building the result a quarter of an action's work.)
_WHOLE = ("co_units", "extensions", "pauses", "contests", "police_handovers")


def find_appeal(ref: int | str, user: User, *, whole: bool = False) -> Appeal:
    """The appeal by id or 工单编号, if this user may see it; 404 otherwise. `whole`: with
    what its page and an action's answer show and its actions' rules look at (timeline,
    co-units, extensions, pauses, contests, 110 hand-overs), read now rather than as they
    are touched, and kept up to date by the action (the answer to an action reads nothing
    after its commit)."""
    ref = str(ref)
    if not ref.isdigit() or (len(ref) != 16 and int(ref) > MAX_ID):
        raise NotFound("没有这个工单")
    sees = _sees(user)
    if sees == "none":
        raise NotFound("没有这个工单")
    by_number = len(ref) == 16
    statement = _appeal_by_ref(by_number, sees == "reach", whole)
    parameters = {"ref": ref if by_number else int(ref), "viewer_unit_id": user.unit_id}
    row = db.session.execute(statement, parameters).one_or_none()
    if row is None:
        raise NotFound("没有这个工单")
    appeal = row[0]
    if whole:
        for key, present in zip(_WHOLE, row[1:], strict=True):
            if present:
                db.session.expire(appeal, [key])  # read afresh, as the appeal's row was
                getattr(appeal, key)
            else:
                set_committed_value(appeal, key, [])
        set_committed_value(appeal, "events", timeline_of(appeal.id))
    return appeal


@cache
def _appeal_by_ref(by_number: bool, by_reach: bool, whole: bool) -> Select[Any]:
    """find_appeal's statement, built once per shape (its parameters: the ref and the
    viewer's unit), so that its cache key, loader options and all, is not worked out again
    for every request. `whole` adds whether the appeal has rows of each of `_WHOLE`."""
    ref: BindParameter[Any] = bindparam("ref")
    kinds = [getattr(Appeal, key).property.mapper.class_ for key in _WHOLE] if whole else []
    statement = select(Appeal, *(exists().where(kind.appeal_id == Appeal.id) for kind in kinds))
    statement = statement.where(Appeal.number == ref if by_number else Appeal.id == ref)
    if by_reach:
        statement = statement.where(_within_reach(AppealReach, bindparam("viewer_unit_id")))
    # populate_existing: an action reads the row it will change as it is now, even when the
    # session already holds it from earlier in the request.
    return statement.execution_options(populate_existing=True)


def timeline_of(appeal_id: int) -> list[AppealEvent]:
    """An appeal's events, each with who acted and the units involved: a second statement,
    apart from the appeal's (a refreshed read of it would refresh the people of its timeline
    too, the signed-in user among them). Their roles and units are not read: a timeline
    shows the person's name, and the unit each event was taken in is the event's own."""
    return list(db.session.scalars(_TIMELINE, {"appeal_id": appeal_id}))


_TIMELINE = (
    select(AppealEvent)
    .where(AppealEvent.appeal_id == bindparam("appeal_id"))
    .order_by(AppealEvent.id)
    .options(defaultload(AppealEvent.actor).options(lazyload(User.role_rows), lazyload(User.unit)))
)
