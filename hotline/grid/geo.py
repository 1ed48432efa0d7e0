"""Point routing: (lat, lon) → grid → its chain of ancestors.

`GridIndex` is pure geometry: the grid polygons, prepared, under an STRtree (one point) and
a table of their bounding boxes by cell of a regular lattice (a batch: a point's cell is
arithmetic, with no point geometry to build), so a point is tested only against the few
polygons whose boxes hold it, with shapely's vectorised `contains_xy`. Rules that make the
answer deterministic:

* a point inside one grid's interior goes to that grid;
* a point on a boundary shared by several grids goes to the one with the smallest code;
* a point in no grid goes to the smallest upper-level area that holds it (its own polygon,
  or the union of its children), and else to nobody: the centre's queue, with the reason.

`placement()` serves the app: it keeps one index per process and rebuilds it when the
"grid" revision changes (an import, a unit edit)."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from hotline.core.revisions import Cached
from hotline.core.vocabulary import UNIT_LEVEL_NAMES, UNIT_LEVELS

NOWHERE = -1
_AREA_LEVELS = ("community", "street", "district", "city", "province")  # smallest first


@dataclass(frozen=True)
class Shape:
    unit_id: int
    code: str
    name: str
    level: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class Placement:
    """Where a point belongs. `unit_id` is the grid, or the area it fell back to."""

    grid_id: int | None
    unit_id: int | None
    reason: str | None  # why it is not a grid; None when it is

    @property
    def on_grid(self) -> bool:
        return self.grid_id is not None


class GridIndex:
    def __init__(self, grids: list[Shape], areas: Sequence[Shape] = ()):
        self.grids = sorted(grids, key=lambda s: s.code)  # position = tie-break rank
        self._polygons = np.array([s.geometry for s in self.grids], dtype=object)
        shapely.prepare(self._polygons)
        self._tree = STRtree(self._polygons)
        # Upper-level areas, smallest level first, then by code.
        self.areas = sorted(areas, key=lambda s: (_AREA_LEVELS.index(s.level), s.code))
        self._area_polygons = np.array([s.geometry for s in self.areas], dtype=object)
        shapely.prepare(self._area_polygons)
        self._by_id = {s.unit_id: s for s in (*self.grids, *self.areas)}

    def __len__(self) -> int:
        return len(self.grids)

    @functools.cached_property
    def _cells(self) -> _BoxesByCell:
        return _BoxesByCell(shapely.bounds(self._polygons))

    def locate_many(self, lons, lats) -> np.ndarray:
        """For each point, the position of its grid in `self.grids`, or NOWHERE."""
        xs = np.asarray(lons, dtype=float)
        ys = np.asarray(lats, dtype=float)
        found = np.full(len(xs), NOWHERE, dtype=np.int64)
        if not len(self.grids) or not len(xs):
            return found
        point_idx, grid_idx = self._cells.holding(xs, ys)
        # Interior beats boundary, then the smallest code (the smallest position): the
        # boundaries are tested only for the points no grid holds inside (nearly none).
        n = len(self.grids)
        best = np.full(len(xs), n, dtype=np.int64)
        inside = shapely.contains_xy(self._polygons[grid_idx], xs[point_idx], ys[point_idx])
        np.minimum.at(best, point_idx[inside], grid_idx[inside])
        left = best[point_idx] == n
        if left.any():
            point_idx, grid_idx = point_idx[left], grid_idx[left]
            on_edge = shapely.intersects_xy(self._polygons[grid_idx], xs[point_idx], ys[point_idx])
            np.minimum.at(best, point_idx[on_edge], grid_idx[on_edge])
        located = best < n
        found[located] = best[located]
        return found

    def locate_one(self, lon: float, lat: float) -> int:
        """`locate_many` for one point, without its arrays (an intake routes one point, and
        building them cost more than the lookup): the same rule, candidates in rank order."""
        boundary = NOWHERE
        for position in sorted(self._tree.query(shapely.Point(lon, lat)).tolist()):
            polygon = self._polygons[position]
            if shapely.contains_xy(polygon, lon, lat):
                return position
            if boundary == NOWHERE and shapely.intersects_xy(polygon, lon, lat):
                boundary = position
        return boundary

    def grids_in(self, west: float, south: float, east: float, north: float) -> list[Shape]:
        """The grids whose polygons meet the box, by position (code order)."""
        if not len(self.grids):
            return []
        candidates = self._tree.query(shapely.box(west, south, east, north), predicate="intersects")
        return [self.grids[i] for i in sorted(candidates)]

    def shape_of(self, unit_id: int) -> Shape | None:
        """A grid's polygon, or an area's (its own, or the union of its grids)."""
        return self._by_id.get(unit_id)

    def locate(self, lon: float | None, lat: float | None) -> Placement:
        if lon is None or lat is None:
            return Placement(None, None, "未提供坐标，由热线中心人工派单")
        position = self.locate_one(lon, lat)
        if position != NOWHERE:
            return Placement(self.grids[position].unit_id, self.grids[position].unit_id, None)
        if len(self.areas):
            holding = shapely.intersects_xy(self._area_polygons, lon, lat)
            if holding.any():
                area = self.areas[int(np.argmax(holding))]
                return Placement(
                    None, area.unit_id, f"坐标不在任何网格内，落入{UNIT_LEVEL_NAMES[area.level]}「{area.name}」"
                )
        return Placement(None, None, "坐标不在本中心任何网格及辖区范围内，由热线中心人工派单")


class _BoxesByCell:
    """Bounding boxes filed by the cells of a regular lattice over their extent (about one
    cell per box), so that the boxes holding a batch of points are found with array
    arithmetic: a point's cell, that cell's boxes, then the exact box test."""

    def __init__(self, bounds: np.ndarray):
        self.bounds = bounds
        usable = np.isfinite(bounds).all(axis=1)  # an empty polygon has no box
        # With no box at all, one cell at the origin that holds nothing.
        box = bounds[usable] if usable.any() else np.zeros((1, 4))
        count = len(box)
        self.x0, self.y0 = float(box[:, 0].min()), float(box[:, 1].min())
        width, height = float(box[:, 2].max()) - self.x0, float(box[:, 3].max()) - self.y0
        side = np.sqrt(width * height / count)
        # Never more cells a side than boxes, nor a cell narrower than most boxes; and
        # coarser cells while boxes spanning many of them would file too many entries.
        self.cell_w = max(side, np.median(box[:, 2] - box[:, 0]), width / count, 1e-9)
        self.cell_h = max(side, np.median(box[:, 3] - box[:, 1]), height / count, 1e-9)
        while True:
            self.nx, self.ny = int(width // self.cell_w) + 1, int(height // self.cell_h) + 1
            first_x, first_y = self._cell(bounds[:, 0], bounds[:, 1])
            last_x, last_y = self._cell(bounds[:, 2], bounds[:, 3])
            across, down = last_x - first_x + 1, last_y - first_y + 1
            spans = np.where(usable, across * down, 0)
            if spans.sum() <= 16 * count + 1024:
                break
            self.cell_w, self.cell_h = 2 * self.cell_w, 2 * self.cell_h
        k = _ranks(spans)
        across_of = np.repeat(across, spans)
        cells = (np.repeat(first_y, spans) + k // across_of) * self.nx + np.repeat(first_x, spans) + k % across_of
        order = np.argsort(cells, kind="stable")  # boxes stay in position order within a cell
        self.boxes = np.repeat(np.arange(len(bounds)), spans)[order]
        self.starts = np.searchsorted(cells[order], np.arange(self.nx * self.ny + 1))

    def _cell(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # A coordinate that is not finite gets some cell here; it passes no box test.
        finite_xs = np.nan_to_num(xs, nan=self.x0, posinf=self.x0, neginf=self.x0)
        finite_ys = np.nan_to_num(ys, nan=self.y0, posinf=self.y0, neginf=self.y0)
        cx = np.floor((finite_xs - self.x0) / self.cell_w)
        cy = np.floor((finite_ys - self.y0) / self.cell_h)
        return np.clip(cx, -1, self.nx).astype(np.int64), np.clip(cy, -1, self.ny).astype(np.int64)

    def holding(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, box) positions of every box that holds a point, edges included."""
        cx, cy = self._cell(xs, ys)
        inside = (cx >= 0) & (cx < self.nx) & (cy >= 0) & (cy < self.ny)
        cell = np.where(inside, cy * self.nx + cx, 0)
        counts = np.where(inside, self.starts[cell + 1] - self.starts[cell], 0)
        point_idx = np.repeat(np.arange(len(xs)), counts)
        box_idx = self.boxes[np.repeat(self.starts[cell], counts) + _ranks(counts)]
        b, px, py = self.bounds[box_idx], xs[point_idx], ys[point_idx]
        held = (b[:, 0] <= px) & (px <= b[:, 2]) & (b[:, 1] <= py) & (py <= b[:, 3])
        return point_idx[held], box_idx[held]


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, … counts[i] - 1 for each i in turn: each entry's rank within its group."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def as_geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geometry))


def point_inside(geometry: shapely.Geometry) -> tuple[float, float]:
    """A point (lon, lat) surely inside the shape (a centroid may fall outside it)."""
    x, y = shapely.get_coordinates(shapely.point_on_surface(geometry))[0]
    return float(x), float(y)


def geometry_from_geojson(value: dict[str, Any] | None) -> BaseGeometry:
    """The shape of a GeoJSON geometry (every grid and upper area we route to has one)."""
    if value is None:
        raise ValueError("没有几何")
    return shapely.from_geojson(json.dumps(value))


def build_index(units) -> GridIndex:
    """The index of these units: grids by their own polygons, upper areas by their own
    polygon or else the union of the grids below them."""
    units = [u for u in units if u.is_area]
    grids = [
        Shape(u.id, u.code, u.name, u.level, geometry_from_geojson(u.boundary))
        for u in units
        if u.level == "grid" and u.boundary
    ]
    below: dict[str, list] = defaultdict(list)  # area code -> polygons of its grids
    paths = {u.id: u.path for u in units}
    for grid in grids:
        for code in paths[grid.unit_id].strip("/").split("/")[:-1]:
            below[code].append(grid.geometry)
    areas = []
    for unit in units:
        if unit.level == "grid":
            continue
        if unit.boundary:
            areas.append(Shape(unit.id, unit.code, unit.name, unit.level, geometry_from_geojson(unit.boundary)))
        elif below[unit.code]:
            areas.append(Shape(unit.id, unit.code, unit.name, unit.level, shapely.union_all(below[unit.code])))
    return GridIndex(grids, areas)


# ------------------------------------------------------------------ the app's index


def _build_current_index() -> GridIndex:
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from hotline.core.extensions import db
    from hotline.grid.models import Unit

    return build_index(db.session.scalars(select(Unit).where(Unit.active).options(undefer(Unit.boundary))).all())


# This process's index for the app's database, rebuilt when the grids changed.
_current = Cached("grid", _build_current_index)


def current_index() -> GridIndex:
    return _current.get()


def placement(lon: float | None, lat: float | None) -> Placement:
    return current_index().locate(lon, lat)


assert set(_AREA_LEVELS) | {"grid"} == set(UNIT_LEVELS)
