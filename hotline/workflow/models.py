"""Models of the workflow feature beyond the appeal itself."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.clock import now
from hotline.extensions import db


class SlaPolicy(db.Model):
    """Time limits for one urgency × type (DESIGN.md §6), editable by administrators.
    Limits are written "30min", "24h" or "10wd" (working days)."""

    __tablename__ = "sla_policies"

    urgency: Mapped[str] = mapped_column(String(4), primary_key=True)
    type: Mapped[str] = mapped_column(String(4), primary_key=True)
    sign: Mapped[str] = mapped_column(String(8))  # 签收 after dispatch
    return_window: Mapped[str] = mapped_column(String(8))  # 退单 window after dispatch
    handle: Mapped[str] = mapped_column(String(8))  # 办结 + reply, from dispatch
    visit: Mapped[str] = mapped_column(String(8))  # 回访 after approval
    reopen: Mapped[str] = mapped_column(String(8))  # 重办 after 不满意
    red_after: Mapped[str] = mapped_column(String(8))  # yellow card → red card if still overdue
    extension_times: Mapped[int]
    extension_max_days: Mapped[int]
    reopen_rounds: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
