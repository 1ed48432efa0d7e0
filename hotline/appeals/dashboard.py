"""The supervisors' dashboard (督办看板): open appeals by SLA status and card, for the
user's area in total and per unit one level below.

Counting a province's open appeals on every view costs hundreds of milliseconds, so the
scheduler counts them once a minute, grouped by the unit holding them (`refresh_open_counts`,
into `OpenCount` rows), and a view rolls those rows up to the units below the viewer. A view
reads the live tables instead when the counts are missing or older than two minutes (no
scheduler running, as in the tests), and says which it shows (`counted_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    desc,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import aliased

from hotline.appeals.deadlines import HOLDER, sla_status_sql
from hotline.appeals.models import Appeal, OpenCategoryCount, OpenCount, OpenPlaceCount
from hotline.appeals.permissions import DASHBOARD
from hotline.appeals.states import OPEN_STATES
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.db import plain_rows, write_transaction
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.grid.models import Unit

# Counts older than this are not shown: the scheduler refreshes them every minute.
FRESH_FOR = timedelta(minutes=2)


@dataclass
class AreaCounts:
    unit: Unit | None  # None: the centre's own queue
    open: int = 0
    on_time: int = 0
    warning: int = 0
    overdue: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, counts: Sequence[int]) -> None:
        self.open += counts[0]
        self.on_time += counts[1]
        self.warning += counts[2]
        self.overdue += counts[3]
        self.yellow += counts[4]
        self.red += counts[5]


@dataclass
class Dashboard:
    total: AreaCounts
    rows: list[AreaCounts] = field(default_factory=list)
    counted_at: datetime | None = None  # None: counted live, now
    everywhere: bool = False  # the centre's own view: every open appeal, wherever it is held


def _open_now(at: datetime, scope: ColumnElement[bool] | None = None) -> Any:
    """The open appeals (within `scope`) with what the counts below group by: holder, SLA
    status, card, category and grid."""
    return select(
        HOLDER.label("holder"),
        sla_status_sql(at).label("status"),
        Appeal.supervision_level.label("card"),
        Appeal.category_id.label("category_id"),
        Appeal.grid_id.label("grid_id"),
    ).where(Appeal.state.in_(OPEN_STATES), *([scope] if scope is not None else []))


# The scheduler's copy of `_open_now` for one count: the open appeals are read once a
# minute, not once for each of the three tables made from them (a province's 400,000 open
# appeals lie all over the appeals table).
_OPEN_NOW = Table(
    "open_now",
    MetaData(),
    Column("holder", Integer),
    Column("status", String(16)),
    Column("card", String(8)),
    Column("category_id", Integer),
    Column("grid_id", Integer),
    prefixes=["TEMPORARY"],
)


def _how_many(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counted(rows: Any) -> Any:
    """Per holder: open, on time, warning, overdue, yellow and red cards."""
    return select(
        rows.c.holder,
        func.count(),
        _how_many(rows.c.status == "on_time"),
        _how_many(rows.c.status == "warning"),
        _how_many(rows.c.status == "overdue"),
        _how_many(rows.c.card == "yellow"),
        _how_many(rows.c.card == "red"),
    ).group_by(rows.c.holder)


def _by_category(rows: Any) -> Any:
    """Per holder and kind of problem (the top-level category, whose code begins the
    leaf's): the rows the dashboard's table sums."""
    leaf, kind = aliased(Category), aliased(Category)
    return (
        select(rows.c.holder, kind.id, func.count())
        .join(leaf, leaf.id == rows.c.category_id)
        .join(kind, and_(kind.level == 1, kind.code == func.substr(leaf.code, 1, 2)))
        .group_by(rows.c.holder, kind.id)
    )


def _by_place(rows: Any) -> Any:
    """Per grid the appeals are placed in and holder: open, overdue."""
    return (
        select(rows.c.grid_id, rows.c.holder, func.count(), _how_many(rows.c.status == "overdue"))
        .where(rows.c.grid_id.is_not(None))
        .group_by(rows.c.grid_id, rows.c.holder)
    )


def refresh_open_counts(at: datetime) -> int:
    """Count every open appeal now, per holder (`HOLDER`), per holder and kind of problem,
    and per grid and holder, replacing the previous counts in one transaction (readers see
    the old set or the new one, never half of each)."""
    with write_transaction(db.session):
        connection = db.session.connection()
        _OPEN_NOW.create(connection)
        connection.execute(insert(_OPEN_NOW).from_select([c.name for c in _OPEN_NOW.c], _open_now(at)))
        stamp = literal(at, OpenCount.counted_at.type)
        for table, columns, rows in (
            (OpenCount, ["unit_id", "open", "on_time", "warning", "overdue", "yellow", "red"], _counted(_OPEN_NOW)),
            (OpenCategoryCount, ["unit_id", "category_id", "open"], _by_category(_OPEN_NOW)),
            (OpenPlaceCount, ["grid_id", "unit_id", "open", "overdue"], _by_place(_OPEN_NOW)),
        ):
            db.session.execute(delete(table))
            db.session.execute(insert(table).from_select([*columns, "counted_at"], rows.add_columns(stamp)))
        _OPEN_NOW.drop(connection)
        units = db.session.scalar(select(func.count()).select_from(OpenCount)) or 0
    return units


def dashboard(user: User, at: datetime, within: Unit | None = None) -> Dashboard:
    """Open appeals of the user's area by SLA status and card, in total and per unit one
    level below (the centre: the districts and city departments, plus its own queue);
    `within`, a unit of that area: the same one level further down (市 → 区 → 街道 → 社区 →
    网格, and a department's sections), 404 for a unit outside it."""
    top, own, in_area = _area(user, within)
    counted_at = _fresh(at)
    grouped: Sequence[Any]
    if counted_at is not None:
        numbers = (OpenCount.open, OpenCount.on_time, OpenCount.warning, OpenCount.overdue, OpenCount.yellow,
                   OpenCount.red)  # fmt: skip
        rows = select(OpenCount.unit_id, *numbers)
        rows = rows if in_area is None else rows.where(OpenCount.unit_id.in_(in_area))
        grouped = plain_rows(db.session, rows).all()
        paths = _paths(select(rows.subquery().c.unit_id))
    else:
        counted_at = None
        scope = None if in_area is None else HOLDER.in_(in_area)
        grouped = plain_rows(db.session, _counted(_open_now(at, scope).subquery())).all()
        paths = _paths([r[0] for r in grouped if r[0] is not None])
    board = _rolled_up(top, own, grouped, paths, counted_at)
    board.everywhere = in_area is None
    return board


def _area(user: User, within: Unit | None) -> tuple[Unit, AreaCounts, Any]:
    """The area a board shows (the user's own, or `within` it: 404 outside), its own row,
    and the units whose holdings count (None: every open appeal, the centre's own view)."""
    DASHBOARD.require(user)
    home = user.unit.parent if user.at_centre else user.unit
    assert home is not None, "the centre hangs on the area it serves"
    if within is not None and within.id != home.id:
        if within.kind == "centre" or not (user.at_centre or user.unit.contains(within)):
            raise NotFound("没有这个单位，或不在您的辖区内")
        top, own = within, AreaCounts(within)
    elif user.at_centre:
        top, own = home, AreaCounts(None)  # the centre's city, and its own queue
    else:
        top, own = home, AreaCounts(home)
    # The centre counts every open appeal; a unit, those held in its subtree.
    in_area = None if top is home and user.at_centre else select(Unit.id).where(Unit.subtree_clause(top.path))
    return top, own, in_area


def _fresh(at: datetime, counts: type[OpenCount] | type[OpenPlaceCount] = OpenCount) -> datetime | None:
    """When the scheduler last counted, if recently enough to show; None: count live."""
    counted_at = db.session.scalar(select(func.max(counts.counted_at)))
    return counted_at if counted_at is not None and at - FRESH_FOR <= counted_at <= at + FRESH_FOR else None


@dataclass
class PlaceCount:
    grid: Unit
    open: int
    overdue: int


MAP_PLACES = 300  # the grids with the most open appeals a map marks


def places(user: User, at: datetime, within: Unit | None = None) -> tuple[Unit, bool, list[PlaceCount]]:
    """The dashboard's map: the grids of the board's area with open appeals (the most
    first, at most MAP_PLACES), each with its open and overdue count — of the appeals the
    board counts (a unit's: those its subtree holds). Returns the area, whether it is the
    centre's whole view, and the grids."""
    top, _, in_area = _area(user, within)
    # The centre's own view counts every open appeal, wherever placed; an area's, those
    # placed in its grids (and held in it).
    grids = None if in_area is None else select(Unit.id).where(Unit.subtree_clause(top.path), Unit.level == "grid")
    if _fresh(at, OpenPlaceCount) is not None:
        p = OpenPlaceCount
        rows = select(p.grid_id, func.sum(p.open).label("open"), func.sum(p.overdue))
        if grids is not None:
            rows = rows.where(p.grid_id.in_(grids), p.unit_id.in_(in_area))
        counted = rows.group_by(p.grid_id)
    else:
        live = _by_place(_open_now(at, None if in_area is None else HOLDER.in_(in_area)).subquery()).subquery()
        cols = live.c
        rows = select(cols[0].label("grid_id"), func.sum(cols[2]).label("open"), func.sum(cols[3]))
        if grids is not None:
            rows = rows.where(cols[0].in_(grids))
        counted = rows.group_by(cols[0])
    # The most first, cut before the grids are looked up (a province has 22,000).
    most = counted.order_by(desc("open"), "grid_id").limit(MAP_PLACES).subquery()
    top_grids = db.session.execute(
        select(Unit, most.c[1], most.c[2]).join(most, most.c.grid_id == Unit.id).order_by(most.c.open.desc(), Unit.code)
    ).all()
    return top, in_area is None, [PlaceCount(grid, int(n), int(late or 0)) for grid, n, late in top_grids]


def _rolled_up(
    top: Unit, own: AreaCounts, grouped: Sequence[Any], paths: dict[int, str], counted_at: datetime | None
) -> Dashboard:
    """The per-unit counts added up to the area's total and to the units one level below."""
    rows = _Rows(top, own, paths)
    total = AreaCounts(top)
    for unit_id, *numbers in grouped:
        total.add(numbers)
        if (row := rows.row_of(unit_id)) is not None:
            row.add(numbers)
    return Dashboard(total, [r for r in (own, *rows.children.values()) if r.open], counted_at)


class _Rows:
    """Which row of the dashboard a holding unit counts in: the area's own desk (the
    centre's queue for the centre), or the unit one level below that it is under."""

    def __init__(self, top: Unit, own: AreaCounts, paths: dict[int, str]) -> None:
        self.top, self.own, self.paths = top, own, paths
        # Read once: an ORM attribute costs more than the work done with it, per holder.
        self._top_id, self._top_path, self._own_is_queue = top.id, top.path, own.unit is None
        children = db.session.scalars(
            select(Unit).where(Unit.parent_id == top.id, Unit.active, Unit.kind != "centre").order_by(Unit.path)
        ).all()
        self.children = {child.code: AreaCounts(child) for child in children}
        self._seen: dict[int | None, AreaCounts | None] = {}

    def row_of(self, unit_id: int | None) -> AreaCounts | None:
        if unit_id not in self._seen:
            self._seen[unit_id] = self._row_of(unit_id)
        return self._seen[unit_id]

    def _row_of(self, unit_id: int | None) -> AreaCounts | None:
        if unit_id is None or unit_id == self._top_id:
            # The centre's own queue (no unit yet) or, for a unit, what it holds itself.
            return self.own if (unit_id is None) == self._own_is_queue else None
        path = self.paths[unit_id]
        if path.startswith(self._top_path):
            return self.children.get(path[len(self._top_path) :].split("/")[0])
        return None


def _paths(holders: Any) -> dict[int, str]:
    """The paths of these holding units (ids, or a statement selecting them: a province's
    thousands are better named by a subquery than bound one by one)."""
    return dict(plain_rows(db.session, select(Unit.id, Unit.path).where(Unit.id.in_(holders))).tuples().all())


@dataclass
class KindRow:
    """Open appeals of one kind of problem (a top-level category) per row of the dashboard:
    "own" (the area's own desk) or a unit's code."""

    category: Category
    cells: dict[str, int] = field(default_factory=dict)
    total: int = 0


def by_kind(board: Dashboard, limit: int = 10) -> list[KindRow]:
    """The dashboard's category × area table: the `limit` most frequent top-level
    categories of the open appeals in its area, split as its rows are (from the minutely
    counts when the board read them, else live)."""
    top = board.total.unit
    assert top is not None, "a dashboard is of an area"
    own = AreaCounts(None if board.everywhere else top)
    in_area = None if board.everywhere else select(Unit.id).where(Unit.subtree_clause(top.path))
    c = OpenCategoryCount
    # The minutely counts, when the board read its own from the same count.
    if board.counted_at is not None and db.session.scalar(select(func.max(c.counted_at))) == board.counted_at:
        per = select(c.unit_id, c.category_id, c.open.label("n"))
        per = per if in_area is None else per.where(c.unit_id.in_(in_area))
    else:
        scope = None if in_area is None else HOLDER.in_(in_area)
        per = _by_category(_open_now(now(), scope).subquery())  # (the SLA status goes unused)
    each = per.subquery()
    counted = plain_rows(db.session, select(each.c[0], each.c[1], each.c[2])).all()
    rows = _Rows(top, own, _paths(select(each.c[0])))
    tops = {c.id: c for c in db.session.scalars(select(Category).where(Category.level == 1))}
    kinds: dict[int, KindRow] = {}  # by the top-level category's id
    columns: dict[int | None, str | None] = {}  # each holder's column, worked out once
    for unit_id, kind_id, n in counted:
        if (line := kinds.get(kind_id)) is None:
            if (kind := tops.get(kind_id)) is None:
                continue
            line = kinds[kind_id] = KindRow(kind)
        n = int(n)
        line.total += n
        if unit_id not in columns:
            row = rows.row_of(unit_id)
            columns[unit_id] = None if row is None else ("own" if row is own or row.unit is None else row.unit.code)
        if (column := columns[unit_id]) is not None:
            line.cells[column] = line.cells.get(column, 0) + n
    return sorted(kinds.values(), key=lambda k: (-k.total, k.category.code))[:limit]
