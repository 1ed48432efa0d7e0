"""How far a campaign has come: closed and overdue items in SQL, by unit and by level,
and the daily snapshots behind its trend.

The centre sees every item, and a 万件清理 campaign has hundreds of thousands: its
per-unit progress is counted by the scheduler each minute (`refresh_unit_progress`) and
read from those rows while they are fresh; anyone else's view, and the centre's when the
rows are missing or stale, is counted live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, delete, func, insert, literal, select, true

from hotline.appeals.dashboard import FRESH_FOR  # counted rows are read as the dashboard's are
from hotline.appeals.models import Appeal
from hotline.appeals.visibility import visible_clause
from hotline.auth.models import User
from hotline.core.clock import local_today, now
from hotline.core.db import upsert, write_transaction
from hotline.core.extensions import db
from hotline.core.vocabulary import GOOD_RATINGS, UNIT_LEVEL_NAMES, UNIT_LEVELS
from hotline.grid.models import Unit
from hotline.ledger.models import Campaign, CampaignItem, CampaignSnapshot, UnitProgress
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


def _items(campaign: Campaign, user: User | None):
    """The campaign's items this user (None: everyone's) may see, joined to their appeals."""
    return (
        select(CampaignItem)
        .join(Appeal, CampaignItem.appeal_id == Appeal.id)
        .where(CampaignItem.campaign_id == campaign.id, visible_clause(user) if user else true())
    )


def _counts(day: date):
    late = and_(CampaignItem.target_date < day, ~CLOSED)
    return (func.count(), func.sum(case((CLOSED, 1), else_=0)), func.sum(case((late, 1), else_=0)))


def progress(campaign: Campaign, user: User, day: date | None = None) -> Progress:
    day = day or local_today()
    total, closed, overdue = db.session.execute(_items(campaign, user).with_only_columns(*_counts(day))).one()
    return Progress(total, closed or 0, overdue or 0)


def _per_unit(campaign: Campaign, user: User | None, day: date) -> Select:
    unit_id = func.coalesce(Appeal.main_unit_id, Appeal.current_unit_id)
    return _items(campaign, user).with_only_columns(unit_id, *_counts(day)).group_by(unit_id)


def _counted(campaign: Campaign, day: date, at: datetime) -> list[tuple] | None:
    """The scheduler's rows of this campaign for `day`, if fresh; None otherwise."""
    kept = UnitProgress
    rows = db.session.execute(
        select(kept.unit_id, kept.total, kept.closed, kept.overdue).where(
            kept.campaign_id == campaign.id, kept.day == day, kept.counted_at >= at - FRESH_FOR
        )
    ).all()
    return [tuple(r) for r in rows] or None


def by_unit(campaign: Campaign, user: User, day: date | None = None, *, at: datetime | None = None) -> list[Breakdown]:
    """Per unit handling the appeal (the main unit; the current one before dispatch)."""
    day = day or local_today()
    rows = _counted(campaign, day, at or now()) if user.at_centre else None
    if rows is None:
        rows = [tuple(r) for r in db.session.execute(_per_unit(campaign, user, day)).all()]
    # names and levels only: a whole Unit carries its boundary polygon, and the centre's
    # breakdown names two thousand units
    named = select(Unit.id, Unit.name, Unit.level).where(Unit.id.in_([r[0] for r in rows if r[0]]))
    units: dict[int | None, tuple[str, str | None]] = {None: ("热线中心（未派单）", None)}
    units.update((uid, (name, level)) for uid, name, level in db.session.execute(named))
    out = [Breakdown(str(uid), *units[uid], Progress(t, c or 0, o or 0)) for uid, t, c, o in rows]
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
    return appeal.state == "evaluated" or (appeal.state == "auditing" and appeal.satisfaction in GOOD_RATINGS)


def trend(campaign: Campaign) -> list[CampaignSnapshot]:
    return list(
        db.session.scalars(
            select(CampaignSnapshot).where(CampaignSnapshot.campaign_id == campaign.id).order_by(CampaignSnapshot.day)
        )
    )


def _running(day: date) -> list[Campaign]:
    """Campaigns still running on `day`, or ended within a week of it."""
    return list(
        db.session.scalars(
            select(Campaign).where(Campaign.period_start <= day, Campaign.period_end >= day - timedelta(days=7))
        )
    )


def refresh_unit_progress(at: datetime | None = None) -> int:
    """Count every running campaign's progress per unit now, replacing its previous rows in
    one transaction. Returns how many campaigns were counted."""
    at = at or now()
    day = local_today()
    columns = ["unit_id", "total", "closed", "overdue", "campaign_id", "day", "counted_at"]
    with write_transaction(db.session):
        campaigns = _running(day)
        for campaign in campaigns:
            db.session.execute(delete(UnitProgress).where(UnitProgress.campaign_id == campaign.id))
            counted = _per_unit(campaign, None, day).add_columns(
                literal(campaign.id), literal(day, UnitProgress.day.type), literal(at, UnitProgress.counted_at.type)
            )
            db.session.execute(insert(UnitProgress).from_select(columns, counted))
    return len(campaigns)


def snapshot_all(day: date | None = None) -> int:
    """Record today's progress of every campaign still running (or ended within a week).
    Run again the same day, it overwrites that day's row."""
    day = day or local_today()
    with write_transaction(db.session):
        campaigns = _running(day)
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
