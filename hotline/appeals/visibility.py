"""Who may see which appeal, and whose identity they may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true, union
from sqlalchemy.orm import aliased

from hotline.appeals.models import Appeal, AppealCoUnit, AppealEvent
from hotline.auth.models import User
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.validation import MAX_ID, mask_name, mask_phone
from hotline.grid.models import Unit

# Centre roles that work with the citizen directly.
IDENTITY_ROLES = ("operator", "dispatcher", "visitor", "supervisor")


def visible_clause(user: User) -> ColumnElement[bool]:
    """SQL condition on Appeal: the centre sees every appeal; a unit sees those that were
    ever sent to it or to a unit below it, and those it co-handles."""
    if user.at_centre:
        return true()
    if not user.active:
        return false()
    # One set of appeal ids, each part read from its own index (the current unit's, the
    # events' sent-to unit, the co-units'), rather than an OR of correlated EXISTS that the
    # planner can only test appeal by appeal.
    subtree = select(Unit.id).where(Unit.subtree_clause(user.unit.path))
    handling = aliased(Appeal)
    received = union(
        select(handling.id).where(handling.current_unit_id.in_(subtree)),
        select(AppealEvent.appeal_id).where(AppealEvent.target_unit_id.in_(subtree)),
        select(AppealCoUnit.appeal_id).where(AppealCoUnit.unit_id.in_(subtree)),
    )
    return Appeal.id.in_(received)


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


def find_appeal(ref: int | str, user: User) -> Appeal:
    """The appeal by id or 工单编号, if this user may see it; 404 otherwise."""
    ref = str(ref)
    if not ref.isdigit() or (len(ref) != 16 and int(ref) > MAX_ID):
        raise NotFound("没有这个工单")
    by_ref = Appeal.number == ref if len(ref) == 16 else Appeal.id == int(ref)
    # populate_existing: an action reads the row it will change as it is now, even when the
    # session already holds it from earlier in the request.
    appeal = db.session.scalar(
        select(Appeal).where(by_ref, visible_clause(user)).execution_options(populate_existing=True)
    )
    if appeal is None:
        raise NotFound("没有这个工单")
    return appeal
