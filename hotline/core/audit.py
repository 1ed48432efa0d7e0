"""Audit log of administrative changes (routing rules, imports, calendar …): who changed
what, when, and to what. Written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.clock import now
from hotline.core.extensions import Model, db
from hotline.core.permissions import Actor


class AuditEntry(Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # NULL: command line
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(default=dict)


def record(actor: Actor | None, entity: str, entity_id: object, action: str, data: dict | None = None) -> None:
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            action=action,
            data=data or {},
        )
    )
