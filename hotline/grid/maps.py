"""The areas a map draws: the grid's own polygons (and the areas above, as the union of
their grids), as GeoJSON, within the area of the person looking. No base map is needed;
a tile server is a setting (HOTLINE_MAP_TILE_URL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import ColumnElement, func, select

from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.validation import Body
from hotline.grid.geo import as_geojson, current_index
from hotline.grid.models import Unit

MAX_FEATURES = 3000  # a province's grids are drawn district by district, not all at once
# What a map of an area shows by default: two levels down, grids from a street down.
FINER = {"province": "district", "city": "district", "district": "community", "street": "grid", "community": "grid"}


class AreasQuery(Body):
    within: str | None = Field(None, max_length=32, description="区域编码，缺省为本人所在区域")
    level: Literal["district", "street", "community", "grid"] | None = Field(None, description="画哪一级的区域")
    bbox: str | None = Field(
        None,
        pattern=r"^-?\d{1,3}(\.\d+)?(,-?\d{1,3}(\.\d+)?){3}$",
        description="只画与此视窗相交的网格：西,南,东,北（经纬度）",
    )

    def box(self) -> tuple[float, float, float, float] | None:
        if self.bbox is None:
            return None
        west, south, east, north = (float(v) for v in self.bbox.split(","))
        return west, south, east, north


def home_area(unit: Unit) -> Unit:
    """The area a map of this unit's opens on: its own, or the area its centre or
    department belongs to."""
    while unit.kind != "area" and unit.parent is not None:
        unit = unit.parent
    return unit


# The citizen's map (随手拍): the service area's districts or streets, by name, to place a
# pin on; the grids are the staff's business.
PUBLIC_LEVEL = {"province": "district", "city": "street", "district": "community", "street": "community"}


def areas(viewer: Unit, query: AreasQuery) -> dict[str, Any]:
    """A FeatureCollection of the areas of one level within an area the viewer's unit may
    see (its own, or any from the centre); 404 for any other."""
    home = root = home_area(viewer)
    if query.within:
        asked = db.session.scalar(select(Unit).where(Unit.code == query.within, Unit.kind == "area"))
        if asked is None or not (viewer.is_centre or home.contains(asked)):
            raise NotFound("没有这个区域，或不在您的辖区内")
        root = asked
    level = query.level or FINER.get(root.level, "grid")
    box = query.box()
    if level == "grid" and box is not None:  # the grids in view, once the map is zoomed in
        in_view = [s.unit_id for s in current_index().grids_in(*box)]
        return _features(root, "grid", Unit.id.in_(in_view))
    if level == "grid" and _count(root, "grid") > MAX_FEATURES:
        # Too many to draw at once (a province's city): the areas above them, and the map
        # asks for the grids in view as it is zoomed in.
        return {**_features(root, FINER.get(root.level, "street")), "detail": "grid"}
    return _features(root, level)


def _count(root: Unit, level: str) -> int:
    return (
        db.session.scalar(select(func.count()).where(Unit.subtree_clause(root.path), Unit.level == level, Unit.active))
        or 0
    )


def service_area() -> dict[str, Any]:
    """The areas of the centre's whole service area at the level a citizen places a pin by
    (PUBLIC_LEVEL): public, like any map of the city's districts and streets."""
    centre = db.session.scalar(select(Unit).where(Unit.kind == "centre").order_by(Unit.id).limit(1))
    if centre is None:
        raise NotFound("尚未设置热线中心")
    root = home_area(centre)
    return _features(root, PUBLIC_LEVEL.get(root.level, "grid"))


@dataclass(frozen=True)
class Mark:
    """A unit's polygon marked on a map: what its popup says and links to, and its shade."""

    unit_id: int
    label: str
    detail: str
    href: str
    weight: float  # 0–1


def marks(items: Iterable[Mark]) -> dict[str, Any]:
    """The marks as a FeatureCollection (units without a polygon left out)."""
    index, features = current_index(), []
    for m in items:
        shape = index.shape_of(m.unit_id)
        if shape is not None:
            properties = {"label": m.label, "detail": m.detail, "href": m.href, "weight": round(m.weight, 2)}
            features.append({"type": "Feature", "geometry": as_geojson(shape.geometry), "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def _features(root: Unit, level: str, *narrower: ColumnElement[bool]) -> dict[str, Any]:
    rows = db.session.execute(
        select(Unit.id, Unit.code, Unit.name)
        .where(Unit.subtree_clause(root.path), Unit.level == level, Unit.active, *narrower)
        .order_by(Unit.code)
        .limit(MAX_FEATURES + 1)
    ).all()
    index = current_index()
    features = []
    for unit_id, code, name in rows[:MAX_FEATURES]:
        shape = index.shape_of(unit_id)
        if shape is not None:
            properties = {"code": code, "name": name, "level": level}
            features.append({"type": "Feature", "geometry": as_geojson(shape.geometry), "properties": properties})
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > MAX_FEATURES}
