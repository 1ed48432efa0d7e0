"""Writing notifications (inside the caller's transaction) and reading them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, func, insert, or_, select

from hotline.core.clock import now
from hotline.core.db import insert_as_loaded, write_transaction
from hotline.core.extensions import db
from hotline.core.permissions import Actor
from hotline.notifications.models import Notification, NotificationRead

KINDS = {
    "dispatch": "新派单",
    "warning": "临期预警",
    "supervise": "督办",
    "escalate": "通报",
    "reopen": "重办",
    "extension": "延期申请",
    "return": "退单",
    "pause": "挂起",
    "audit": "监督",
    "contest": "申诉复核",
}


def notify(
    unit_id: int | None,
    kind: str,
    title: str,
    *,
    body: str | None = None,
    link: str | None = None,
    role: str | None = None,
    appeal_id: int | None = None,
    at: datetime | None = None,
) -> None:
    if unit_id is None:
        return
    insert_as_loaded(
        db.session,
        Notification(
            unit_id=unit_id,
            role=role,
            kind=kind,
            title=title,
            body=body,
            link=link,
            appeal_id=appeal_id,
            created_at=at or now(),
        ),
    )


def notify_many(rows: list[dict]) -> None:
    """Bulk form of notify() for sweeps: one INSERT for all rows."""
    if rows:
        db.session.execute(insert(Notification), rows)


def for_user(user: Actor):
    """SQL condition: the notifications addressed to this user's unit and roles."""
    return (Notification.unit_id == user.unit_id) & or_(
        Notification.role.is_(None), Notification.role.in_(sorted(user.roles))
    )


def _unread(user: Actor):
    return ~exists().where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user.id)


def unread_count(user: Actor) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(for_user(user), _unread(user))) or 0


def listing(user: Actor, *, unread_only: bool = False) -> Select:
    """(notification, read) pairs, newest first."""
    read = exists().where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user.id)
    stmt = select(Notification, read).where(for_user(user)).order_by(Notification.id.desc())
    return stmt.where(~read) if unread_only else stmt


def recent(user: Actor, *, unread_only: bool = False, limit: int = 50) -> list[tuple[Notification, bool]]:
    return [(n, bool(r)) for n, r in db.session.execute(listing(user, unread_only=unread_only).limit(limit))]


def mark_read(user: Actor, ids: list[int] | None = None) -> int:
    """Mark these (or all) of the user's unread notifications read; returns how many."""
    with write_transaction(db.session):
        stmt = select(Notification.id).where(for_user(user), _unread(user))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        unread = list(db.session.scalars(stmt))
        if unread:
            db.session.execute(
                insert(NotificationRead), [{"notification_id": n, "user_id": user.id, "read_at": now()} for n in unread]
            )
    return len(unread)
