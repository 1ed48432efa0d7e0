from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.clock import now
from hotline.core.extensions import Model


class OutboxMessage(Model):
    """A side effect to carry out, written in the transaction of the change that causes it.

    pending  → waiting for the relay (at next_attempt_at)
    enqueued → handed to RQ (or about to run inline); its lease bounds how long that may take
    running  → a job is carrying it out (lease renewed at start)
    done     → carried out
    failed   → gave up after MAX_ATTEMPTS; an administrator may retry it
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The relay's work list: due rows, and rows whose lease ran out (a worker died).
        Index(
            "ix_outbox_pending_next_attempt_at",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_leased_lease_until",
            "lease_until",
            postgresql_where=text("status IN ('enqueued', 'running')"),
            sqlite_where=text("status IN ('enqueued', 'running')"),
        ),
        Index("ix_outbox_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
    done_at: Mapped[datetime | None]
