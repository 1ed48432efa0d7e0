from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.appeals.models import Appeal
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import Model
from hotline.grid.models import Unit


class HotSpot(Model):
    """未诉先办: a category × place (community or grid) whose appeals in one week exceed
    their trailing weekly mean by the configured factor. Found by the weekly `hot-spots`
    job; a supervisor may open one proactive task (主动发现) from it."""

    __tablename__ = "hot_spots"
    __table_args__ = (
        UniqueConstraint("week_start", "category_id", "unit_id"),
        Index("ix_hot_spots_week_start", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date]  # the Monday of the week counted
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the community or grid
    count: Mapped[int]
    baseline: Mapped[float] = mapped_column(Float)  # the trailing weeks' mean per week
    detected_at: Mapped[datetime] = mapped_column(default=now)
    task_appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    task_opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    task_opened_at: Mapped[datetime | None]

    category: Mapped[Category] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    task: Mapped[Appeal | None] = relationship()

    @property
    def ratio(self) -> float | None:
        """How many times the usual week this one is (None: nothing before)."""
        return round(self.count / self.baseline, 1) if self.baseline else None
