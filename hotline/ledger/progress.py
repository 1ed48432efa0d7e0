"""How far a campaign has come: closed and overdue items in SQL, by unit and by level,
and the daily snapshots behind its trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, select

from hotline.appeals.models import Appeal
from hotline.appeals.visibility import visible_clause
from hotline.auth.models import User
from hotline.core.clock import local_today, now
from hotline.core.db import upsert, write_transaction
from hotline.core.extensions import db
from hotline.core.vocabulary import UNIT_LEVEL_NAMES, UNIT_LEVELS
from hotline.grid.models import Unit
from hotline.ledger.models import Campaign, CampaignItem, CampaignSnapshot
from hotline.ledger.operations import CLOSED

# ---------------------------------------------------------------- progress


@dataclass
class Progress:
    total: int
    closed: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.closed / self.total if self.total else None


@dataclass
class Breakdown:
    key: str
    label: str
    level: str | None
    progress: Progress


def _items(campaign: Campaign, user: User):
    """The campaign's items this user may see, joined to their appeals."""
    return (
        select(CampaignItem)
        .join(Appeal, CampaignItem.appeal_id == Appeal.id)
        .where(CampaignItem.campaign_id == campaign.id, visible_clause(user))
    )


def _counts(day: date):
    late = and_(CampaignItem.target_date < day, ~CLOSED)
    return (func.count(), func.sum(case((CLOSED, 1), else_=0)), func.sum(case((late, 1), else_=0)))


def progress(campaign: Campaign, user: User, day: date | None = None) -> Progress:
    day = day or local_today()
    total, closed, overdue = db.session.execute(_items(campaign, user).with_only_columns(*_counts(day))).one()
    return Progress(total, closed or 0, overdue or 0)


def by_unit(campaign: Campaign, user: User, day: date | None = None) -> list[Breakdown]:
    """Per unit handling the appeal (the main unit; the current one before dispatch)."""
    day = day or local_today()
    unit_id = func.coalesce(Appeal.main_unit_id, Appeal.current_unit_id)
    rows = db.session.execute(_items(campaign, user).with_only_columns(unit_id, *_counts(day)).group_by(unit_id)).all()
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows if r[0]])))}
    out = [
        Breakdown(
            str(uid),
            units[uid].name if uid else "热线中心（未派单）",
            units[uid].level if uid else None,
            Progress(t, c or 0, o or 0),
        )
        for uid, t, c, o in rows
    ]
    return sorted(out, key=lambda b: (-b.progress.total, b.label))


def total_of(units: list[Breakdown]) -> Progress:
    """The campaign's progress from its per-unit breakdown (one pass over the items, not two)."""
    return Progress(
        sum(b.progress.total for b in units), sum(b.progress.closed for b in units),
        sum(b.progress.overdue for b in units),
    )  # fmt: skip


def by_level(units: list[Breakdown]) -> list[Breakdown]:
    """The per-unit breakdown (`by_unit`) added up per level of the hierarchy."""
    merged: dict[str | None, list[int]] = {}
    for b in units:
        counts = merged.setdefault(b.level, [0, 0, 0])
        counts[0] += b.progress.total
        counts[1] += b.progress.closed
        counts[2] += b.progress.overdue
    order = {lvl: i for i, lvl in enumerate(UNIT_LEVELS)}
    return [
        Breakdown(level or "centre", UNIT_LEVEL_NAMES.get(level or "", "热线中心"), level, Progress(*c))
        for level, c in sorted(merged.items(), key=lambda kv: order.get(kv[0] or "", -1))
    ]


def overdue_items(
    campaign: Campaign, user: User, day: date | None = None, *, limit: int | None = None
) -> list[CampaignItem]:
    """Items past their target date and not closed, the earliest due first (`limit`: only
    that many; the page lists the first ones and the progress counts them all)."""
    day = day or local_today()
    late = _items(campaign, user).where(CampaignItem.target_date < day, ~CLOSED)
    return list(db.session.scalars(late.order_by(CampaignItem.target_date, CampaignItem.id).limit(limit)))


def items_query(campaign: Campaign, user: User) -> Select:
    return _items(campaign, user).order_by(CampaignItem.id)


def items(campaign: Campaign, user: User) -> list[CampaignItem]:
    return list(db.session.scalars(items_query(campaign, user)))


def is_closed(appeal: Appeal) -> bool:
    return appeal.state == "evaluated" or (appeal.state == "auditing" and appeal.satisfaction in ("满意", "基本满意"))


def trend(campaign: Campaign) -> list[CampaignSnapshot]:
    return list(
        db.session.scalars(
            select(CampaignSnapshot).where(CampaignSnapshot.campaign_id == campaign.id).order_by(CampaignSnapshot.day)
        )
    )


def snapshot_all(day: date | None = None) -> int:
    """Record today's progress of every campaign still running (or ended within a week).
    Run again the same day, it overwrites that day's row."""
    day = day or local_today()
    with write_transaction(db.session):
        campaigns = db.session.scalars(
            select(Campaign).where(Campaign.period_start <= day, Campaign.period_end >= day - timedelta(days=7))
        ).all()
        for campaign in campaigns:
            total, closed = db.session.execute(
                select(func.count(), func.sum(case((CLOSED, 1), else_=0)))
                .select_from(CampaignItem)
                .join(Appeal, CampaignItem.appeal_id == Appeal.id)
                .where(CampaignItem.campaign_id == campaign.id)
            ).one()
            values = {"total": total, "closed": closed or 0, "taken_at": now()}
            db.session.execute(
                upsert(db.session, CampaignSnapshot)
                .values(campaign_id=campaign.id, day=day, **values)
                .on_conflict_do_update(index_elements=["campaign_id", "day"], set_=values)
            )
    return len(campaigns)
