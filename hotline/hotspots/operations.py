"""未诉先办: finding the week's hot spots and acting on them before anyone calls.

Each week (the `hot-spots` job, Monday night) the appeals of the week just ended are
counted per category × grid and per category × community, beside the same cells' weekly
mean over the HOTLINE_HOTSPOT_WEEKS weeks before. A cell is a hot spot when it reached
HOTLINE_HOTSPOT_MIN_COUNT appeals and more than HOTLINE_HOTSPOT_FACTOR times its mean (a
cell with nothing before only needs the minimum). Voided appeals do not count, nor the
proactive tasks opened from hot spots (they would feed themselves). Supervisors see the
hot spots of their own area on the dashboard and the hot-spot page, with the appeals
behind each, and open one proactive task from one: an appeal of channel 主动发现 at the
spot, which the centre dispatches like any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from pydantic import Field
from sqlalchemy import Select, case, func, literal, select, update
from sqlalchemy.orm import aliased

from hotline.appeals.intake import register
from hotline.appeals.models import Appeal
from hotline.appeals.permissions import DASHBOARD
from hotline.appeals.schemas import AppealCreate
from hotline.appeals.visibility import visible_clause
from hotline.auth.models import User
from hotline.core.clock import local_today, now, start_of
from hotline.core.db import affected, write_transaction
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import holding
from hotline.core.validation import Body, SaneDate
from hotline.grid.geo import current_index, point_inside
from hotline.grid.models import Unit
from hotline.hotspots.models import HotSpot

WEEK = timedelta(days=7)
OPEN_TASKS = holding("supervisor", refusal="只有督办员可以据热点生成主动发现工单")
SHOWN_IN_TASK = 20  # appeal numbers quoted in a task's content
SHOWN = 200  # hot spots a page lists (a province's week may have thousands)


def week_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def last_week(today: date | None = None) -> date:
    """The Monday of the last whole week."""
    return week_of(today or local_today()) - WEEK


@dataclass
class Detection:
    week: date
    flagged: int


def detect(week: date | None = None) -> Detection:
    """Count the cells of the week holding `week` (default: the last whole week) against
    their trailing mean and keep that week's hot spots (replacing an earlier detection
    of it; a hot spot with a task stays)."""
    week = week_of(week) if week else last_week()
    config = current_app.config
    weeks, factor = int(config["HOTLINE_HOTSPOT_WEEKS"]), float(config["HOTLINE_HOTSPOT_FACTOR"])
    minimum = int(config["HOTLINE_HOTSPOT_MIN_COUNT"])
    since, begins, ends = start_of(week - weeks * WEEK), start_of(week), start_of(week + WEEK)
    tasks = select(HotSpot.task_appeal_id).where(HotSpot.task_appeal_id.is_not(None))
    grid = aliased(Unit)
    in_week = func.sum(case((Appeal.received_at >= begins, 1), else_=0))
    found: dict[tuple[int, int], tuple[int, float]] = {}
    for cell in (Appeal.grid_id, grid.parent_id):  # the grid, then its community
        rows = db.session.execute(
            select(Appeal.category_id, cell, in_week, func.count())
            .join(grid, grid.id == Appeal.grid_id)
            .where(
                Appeal.received_at >= since,
                Appeal.received_at < ends,
                Appeal.state != "voided",
                Appeal.id.not_in(tasks),
            )
            .group_by(Appeal.category_id, cell)
            .having(in_week >= minimum)
        ).all()
        for category_id, unit_id, count, total in rows:
            baseline = (int(total) - int(count)) / weeks
            if unit_id is not None and int(count) > factor * baseline:
                found[(category_id, unit_id)] = (int(count), round(baseline, 2))
    with write_transaction(db.session):
        kept = {
            (s.category_id, s.unit_id): s for s in db.session.scalars(select(HotSpot).where(HotSpot.week_start == week))
        }
        at = now()
        for key, (count, baseline) in found.items():
            spot = kept.pop(key, None) or HotSpot(week_start=week, category_id=key[0], unit_id=key[1])
            spot.count, spot.baseline, spot.detected_at = count, baseline, at
            db.session.add(spot)
        for spot in kept.values():  # no longer hot (a late void, a changed setting)
            if spot.task_appeal_id is None:
                db.session.delete(spot)
    return Detection(week, len(found))


class HotSpotQuery(Body):
    week: SaneDate | None = Field(None, description="该周任一日，缺省为最近检测的一周")


@dataclass
class Week:
    start: date | None  # None: nothing detected yet
    spots: list[HotSpot]  # the sharpest first, at most the limit asked for
    weeks: list[date]  # the weeks detected, newest first (for choosing)
    total: int = 0  # how many hot spots the week has in the area


def hot_spots(user: User, query: HotSpotQuery, limit: int = SHOWN) -> Week:
    """The hot spots of one week in the user's area (everywhere from the centre), the
    sharpest rise first (new ones, with nothing before, first of all), at most `limit`
    of them, and how many there are."""
    DASHBOARD.require(user)
    weeks = list(
        db.session.scalars(select(HotSpot.week_start).distinct().order_by(HotSpot.week_start.desc()).limit(26))
    )
    start = week_of(query.week) if query.week else (weeks[0] if weeks else None)
    if start is None:
        return Week(None, [], weeks, 0)
    stmt = select(HotSpot).join(Unit, Unit.id == HotSpot.unit_id).where(HotSpot.week_start == start)
    if not user.at_centre:
        stmt = stmt.where(Unit.subtree_clause(user.unit.path))
    total = db.session.scalar(stmt.with_only_columns(func.count())) or 0
    rise = case((HotSpot.baseline == 0, literal(1e9)), else_=HotSpot.count / HotSpot.baseline)
    spots = list(db.session.scalars(stmt.order_by(rise.desc(), HotSpot.count.desc(), Unit.path).limit(limit)))
    return Week(start, spots, weeks, total)


def find_hot_spot(user: User, spot_id: int) -> HotSpot:
    """One hot spot of the user's area; 404 otherwise."""
    DASHBOARD.require(user)
    spot = db.session.get(HotSpot, spot_id)
    if spot is None or not (user.at_centre or user.unit.contains(spot.unit)):
        raise NotFound("没有这个热点，或不在您的辖区内")
    return spot


def appeals_behind(user: User, spot: HotSpot) -> Select:
    """The appeals the hot spot counted that the user may see, newest first."""
    return _counted(spot).where(visible_clause(user))


def _counted(spot: HotSpot) -> Select:
    """Every appeal the hot spot counted, newest first."""
    grid = aliased(Unit)
    return (
        select(Appeal)
        .join(grid, grid.id == Appeal.grid_id)
        .where(
            Appeal.category_id == spot.category_id,
            grid.id == spot.unit_id if spot.unit.level == "grid" else grid.parent_id == spot.unit_id,
            Appeal.received_at >= start_of(spot.week_start),
            Appeal.received_at < start_of(spot.week_start + WEEK),
            Appeal.state != "voided",
        )
        .order_by(Appeal.received_at.desc(), Appeal.id.desc())
    )


def open_task(user: User, spot_id: int, at: datetime | None = None) -> Appeal:
    """A proactive task (主动发现) at the hot spot, registered like any appeal for the
    centre to dispatch, quoting the appeals behind it; one per hot spot (409 after)."""
    OPEN_TASKS.require(user)
    at = at or now()
    spot = find_hot_spot(user, spot_id)
    if spot.task_appeal_id is not None:
        raise Conflict(f"已据此热点生成工单 {spot.task.number if spot.task else ''}".strip())
    # The task goes to the centre, which sees them all (the opener may not).
    numbers = list(db.session.scalars(_counted(spot).with_only_columns(Appeal.number).limit(SHOWN_IN_TASK)))
    shape = current_index().shape_of(spot.unit_id)
    lon, lat = point_inside(shape.geometry) if shape is not None else (None, None)
    week_end = spot.week_start + timedelta(days=6)
    usual = f"前{current_app.config['HOTLINE_HOTSPOT_WEEKS']}周平均每周 {spot.baseline:g} 件"
    body = AppealCreate(
        type="求助",
        category=spot.category.code,
        channel="主动发现",
        is_anonymous=True,
        title=f"未诉先办：{spot.unit.name}{spot.category.name}诉求高发"[:100],
        content=(
            f"{spot.week_start:%m月%d日}至{week_end:%m月%d日}，{spot.unit.name}「{spot.category.name}」"
            f"诉求 {spot.count} 件（{usual}），请主动排查、集中整治。相关诉求：{'、'.join(numbers) or '—'}。"
        ),
        address=spot.unit.name,
        lon=lon,
        lat=lat,
    )

    def link(appeal: Appeal) -> None:
        taken = db.session.execute(
            update(HotSpot)
            .where(HotSpot.id == spot.id, HotSpot.task_appeal_id.is_(None))
            .values(task_appeal_id=appeal.id, task_opened_by_id=user.id, task_opened_at=at)
        )
        if not affected(taken):
            raise Conflict("已有他人据此热点生成了工单")

    return register(body, actor=user, at=at, attach=link, details={"hot_spot": spot.id})
