"""The areas a map draws: the grid's own polygons (and the areas above, as the union of
their grids), as GeoJSON, within the area of the person looking. No base map is needed;
a tile server is a setting (HOTLINE_MAP_TILE_URL)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

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


def home_area(unit: Unit) -> Unit:
    """The area a map of this unit's opens on: its own, or the area its centre or
    department belongs to."""
    while unit.kind != "area" and unit.parent is not None:
        unit = unit.parent
    return unit


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
    rows = db.session.execute(
        select(Unit.id, Unit.code, Unit.name)
        .where(Unit.subtree_clause(root.path), Unit.level == level, Unit.active)
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
