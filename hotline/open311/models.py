from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.appeals.models import Appeal
from hotline.core.clock import now
from hotline.core.extensions import Model


class Open311Client(Model):
    """An application allowed to POST requests; only the SHA-256 of its api_key is kept."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Open311Request(Model):
    """What an Open311 client sent beyond the appeal itself."""

    __tablename__ = "open311_requests"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    attributes: Mapped[dict] = mapped_column(default=dict)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    address_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))  # personal: never served back
    device_id: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(100))

    appeal: Mapped[Appeal] = relationship()
    client: Mapped[Open311Client] = relationship()
