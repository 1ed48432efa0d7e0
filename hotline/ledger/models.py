from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.appeals.models import Appeal
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import Model


class Campaign(Model):
    __tablename__ = "ledger_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    batch: Mapped[str] = mapped_column(String(50))  # 第一批 …
    period_start: Mapped[date]
    period_end: Mapped[date]
    owner: Mapped[str] = mapped_column(String(100))  # 牵头单位 / 负责人
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    # 每月一题: the kind of problem the campaign tackles; its new appeals join every night.
    topic_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))

    topic: Mapped[Category | None] = relationship()
    items: Mapped[list[CampaignItem]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignItem.id"
    )


class CampaignItem(Model):
    """One appeal in a campaign, with the leader answerable for it and the date to close by."""

    __tablename__ = "ledger_items"
    # A campaign's items by appeal (the unique pair), and by date to close by (its overdue
    # items, the earliest first, without reading every item of a 万件清理).
    __table_args__ = (
        UniqueConstraint("campaign_id", "appeal_id"),
        Index("ix_ledger_items_campaign_id_target_date", "campaign_id", "target_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ledger_campaigns.id", ondelete="CASCADE"))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    leader: Mapped[str] = mapped_column(String(50))  # 责任领导
    target_date: Mapped[date]
    enrolled_by: Mapped[str] = mapped_column(String(60))  # the rule, or "手动"
    enrolled_at: Mapped[datetime] = mapped_column(default=now)
    enrolled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="items")
    appeal: Mapped[Appeal] = relationship(lazy="joined")
    enrolled_by_user: Mapped[User | None] = relationship()


class CampaignSnapshot(Model):
    """Progress at the end of a day, for the trend."""

    __tablename__ = "ledger_snapshots"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("ledger_campaigns.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    total: Mapped[int]
    closed: Mapped[int]
    taken_at: Mapped[datetime] = mapped_column(default=now)


class UnitProgress(Model):
    """A running campaign's items per handling unit (None: still at the centre), closed and
    overdue on `day`, as the scheduler counted them at `counted_at`. The centre's view of
    a campaign of hundreds of thousands of items reads these rows instead of aggregating
    every item's appeal on each view; enrolling or changing items drops them until the
    next count."""

    __tablename__ = "ledger_unit_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ledger_campaigns.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    day: Mapped[date]
    total: Mapped[int]
    closed: Mapped[int]
    overdue: Mapped[int]
    counted_at: Mapped[datetime]
