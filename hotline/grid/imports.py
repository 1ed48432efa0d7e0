"""Changing the organisation: importing the unit tree (CSV) and grid polygons (GeoJSON),
and exporting them. An import is one transaction that also bumps the "grid" revision (so
routing indexes rebuild) and writes an audit entry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import shapely
from shapely import STRtree
from sqlalchemy import select
from sqlalchemy.orm import undefer

from hotline.core import audit, revisions
from hotline.core.db import write_transaction
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.permissions import Actor
from hotline.core.safe_text import SpreadsheetCsvReader, spreadsheet_csv
from hotline.core.vocabulary import UNIT_KINDS, UNIT_LEVELS
from hotline.grid.geo import geometry_from_geojson
from hotline.grid.models import Unit

UNIT_FIELDS = ["code", "name", "level", "parent_code", "kind", "dept_type"]
# Shared edges of neighbouring grids may differ by rounding; overlaps smaller than this
# share of the smaller grid's area are not overlaps.
OVERLAP_TOLERANCE = 1e-6
COVER_TOLERANCE = 1e-7  # degrees (about 1 cm)


class ImportRejected(BadRequest):
    code = "import_rejected"

    def __init__(self, problems: list[str]):
        super().__init__(f"导入被拒绝，共{len(problems)}处问题，未写入任何数据", problems=problems)
        self.problems = problems


@dataclass
class UnitRecord:
    where: str  # "第3个要素" / "第5行", for messages
    code: str
    name: str
    level: str
    parent_code: str | None
    kind: str = "area"
    dept_type: str | None = None
    geometry: dict | None = None
    has_geometry: bool = False  # the source carries geometry (GeoJSON) or not (CSV)
    shape: shapely.Geometry | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.where}（{self.code or '无编码'}）"


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _given(value: object) -> str:
    """A required field's text, empty when missing (validation names it)."""
    return _clean(value) or ""


def read_geojson(text: str) -> list[UnitRecord]:
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected([f"不是有效的 JSON：{exc}"]) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ImportRejected(["顶层必须是 GeoJSON FeatureCollection"])
    records = []
    for n, feature in enumerate(collection.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        records.append(
            UnitRecord(
                where=f"第{n}个要素",
                code=_given(props.get("code")),
                name=_given(props.get("name")),
                level=_given(props.get("level")),
                parent_code=_clean(props.get("parent_code")),
                kind=_clean(props.get("kind")) or "area",
                dept_type=_clean(props.get("dept_type")),
                geometry=(feature or {}).get("geometry"),
                has_geometry=True,
            )
        )
    return records


def read_units_csv(text: str) -> list[UnitRecord]:
    reader = SpreadsheetCsvReader(text)
    missing = [c for c in ("code", "name", "level", "parent_code") if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([f"CSV 缺少列：{', '.join(missing)}（需要 {', '.join(UNIT_FIELDS)}）"])
    return [
        UnitRecord(
            where=f"第{n}行",
            code=_given(row.get("code")),
            name=_given(row.get("name")),
            level=_given(row.get("level")),
            parent_code=_clean(row.get("parent_code")),
            kind=_clean(row.get("kind")) or "area",
            dept_type=_clean(row.get("dept_type")),
        )
        for n, row in enumerate(reader, start=2)
    ]


def merge_sources(*sources: list[UnitRecord]) -> list[UnitRecord]:
    """The tree (CSV) and the polygons (GeoJSON) may come together: a code found once in
    each becomes one record, the CSV's attributes with the GeoJSON's geometry. Anything
    else repeated is left as it is, for validation to report."""
    merged: dict[str, UnitRecord] = {}
    combined: set[str] = set()
    rest: list[UnitRecord] = []
    for records in sources:
        for record in records:
            first = merged.get(record.code) if record.code else None
            if first is None and record.code:
                merged[record.code] = record
            elif first is not None and record.code not in combined and first.has_geometry != record.has_geometry:
                tree, shape = (record, first) if first.has_geometry else (first, record)
                tree.geometry, tree.has_geometry = shape.geometry, True
                merged[record.code] = tree
                combined.add(record.code)
            else:
                rest.append(record)
    return [*merged.values(), *rest]


def _check_geometry(record: UnitRecord) -> str | None:
    value = record.geometry
    if value is None:
        return "网格必须有多边形边界" if record.level == "grid" else None
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        return "几何类型必须是 Polygon 或 MultiPolygon"
    try:
        shape = geometry_from_geojson(value)
    except Exception as exc:  # GEOS reports malformed input in many ways
        return f"几何无效：{str(exc).splitlines()[0]}"
    xmin, ymin, xmax, ymax = shape.bounds
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        return "坐标超出 WGS84 经纬度范围（应为 [经度, 纬度]）"
    if shape.is_empty or not shape.is_valid:
        return f"几何无效：{shapely.is_valid_reason(shape)}"
    record.shape = shape
    return None


def validate_units(records: list[UnitRecord]) -> list[str]:
    problems: list[str] = []
    existing = {u.code: u for u in db.session.scalars(select(Unit).options(undefer(Unit.boundary)))}
    by_code: dict[str, UnitRecord] = {}
    for r in records:
        missing = [f for f in ("code", "name", "level") if not getattr(r, f)]
        if missing:
            problems.append(f"{r.label}：缺少属性 {', '.join(missing)}")
            continue
        if r.code in by_code:
            problems.append(f"{r.label}：编码重复（{by_code[r.code].where}已有）")
            continue
        by_code[r.code] = r
        if r.level not in UNIT_LEVELS:
            problems.append(f"{r.label}：未知层级「{r.level}」（应为 {'/'.join(UNIT_LEVELS)}）")
        if r.kind not in UNIT_KINDS:
            problems.append(f"{r.label}：未知类型「{r.kind}」（应为 {'/'.join(UNIT_KINDS)}）")
        if r.kind == "department" and not r.dept_type:
            problems.append(f"{r.label}：职能部门必须有 dept_type")
        if r.has_geometry and (reason := _check_geometry(r)):
            problems.append(f"{r.label}：{reason}")

    def level_of(code):
        return by_code[code].level if code in by_code else existing[code].level

    def kind_of(code):
        return by_code[code].kind if code in by_code else existing[code].kind

    for r in by_code.values():
        if r.level not in UNIT_LEVELS or r.kind not in UNIT_KINDS:
            continue
        if r.parent_code is None:
            if r.level != "province":
                problems.append(f"{r.label}：缺少上级 parent_code")
            continue
        if r.parent_code not in by_code and r.parent_code not in existing:
            problems.append(f"{r.label}：上级「{r.parent_code}」不存在")
            continue
        if kind_of(r.parent_code) != "area":
            problems.append(f"{r.label}：上级「{r.parent_code}」不是区域单位")
            continue
        parent_level = level_of(r.parent_code)
        wanted = (
            parent_level
            if r.kind != "area"
            else (UNIT_LEVELS[UNIT_LEVELS.index(parent_level) + 1] if parent_level != "grid" else None)
        )
        if r.level != wanted:
            problems.append(
                f"{r.label}：层级「{r.level}」与上级「{r.parent_code}」（{parent_level}）不衔接，应为「{wanted}」"
            )
    if problems:
        return problems
    problems += _check_containment(by_code, existing)
    problems += _check_overlaps(by_code, existing)
    return problems


def _shape_of(code: str, by_code: dict[str, UnitRecord], existing: dict[str, Unit]):
    if code in by_code and by_code[code].has_geometry:
        return by_code[code].shape
    unit = existing.get(code)
    return geometry_from_geojson(unit.boundary) if unit is not None and unit.boundary else None


def _parent_code(code: str, by_code, existing) -> str | None:
    if code in by_code:
        return by_code[code].parent_code
    unit = existing.get(code)
    return unit.parent.code if unit is not None and unit.parent is not None else None


def _check_containment(by_code, existing) -> list[str]:
    """A polygon must lie within the nearest ancestor that has a polygon of its own."""
    problems = []
    for r in by_code.values():
        if r.shape is None:
            continue
        ancestor, outer = r.parent_code, None
        while ancestor and outer is None:
            outer = _shape_of(ancestor, by_code, existing)
            if outer is None:
                ancestor = _parent_code(ancestor, by_code, existing)
        if outer is not None and not outer.buffer(COVER_TOLERANCE).covers(r.shape):
            outside = shapely.area(shapely.difference(r.shape, outer)) / max(r.shape.area, 1e-18)
            problems.append(f"{r.label}：超出上级「{ancestor}」的范围（{outside:.1%} 在外）")
    return problems


def _check_overlaps(by_code, existing) -> list[str]:
    """No two grids may share area (sharing an edge is fine)."""
    grids: dict[str, tuple[str, shapely.Geometry]] = {}
    for code, unit in existing.items():
        if unit.level == "grid" and unit.boundary and unit.active:
            grids[code] = (f"已有网格（{code}）", geometry_from_geojson(unit.boundary))
    for r in by_code.values():
        if r.level == "grid" and r.has_geometry:
            grids[r.code] = (r.label, r.shape)
    codes = list(grids)
    shapes = [grids[c][1] for c in codes]
    if len(shapes) < 2:
        return []
    left, right = STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.area(shapely.intersection([shapes[i] for i in left], [shapes[j] for j in right]))
    problems = []
    for i, j, area in zip(left, right, shared, strict=True):
        smaller = min(shapes[i].area, shapes[j].area)
        imported = codes[i] in by_code or codes[j] in by_code
        if imported and area > OVERLAP_TOLERANCE * smaller:
            # Name the imported feature first.
            first, second = (
                (grids[codes[i]][0], grids[codes[j]][0])
                if codes[i] in by_code
                else (grids[codes[j]][0], grids[codes[i]][0])
            )
            problems.append(f"{first}：与{second}重叠（重叠面积占较小网格的 {area / smaller:.1%}）")
    return problems


@dataclass
class ImportSummary:
    created: list[str]
    updated: list[str]


def import_units(records: list[UnitRecord], actor: Actor | None = None) -> ImportSummary:
    """All or nothing: every problem is reported and nothing is written, or all is."""
    problems = validate_units(records)
    if problems:
        raise ImportRejected(problems)
    created, updated = [], []
    with write_transaction(db.session):
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        # Parents before children, so paths can be computed.
        for r in sorted(records, key=lambda r: (UNIT_LEVELS.index(r.level), r.kind != "area")):
            unit = units.get(r.code)
            parent = units.get(r.parent_code) if r.parent_code else None
            if unit is None:
                unit = units[r.code] = Unit(code=r.code)
                db.session.add(unit)
                created.append(r.code)
            else:
                updated.append(r.code)
            unit.name, unit.level, unit.kind, unit.dept_type = r.name, r.level, r.kind, r.dept_type
            unit.parent = parent
            unit.path = Unit.path_for(parent, r.code)
            unit.active = True
            if r.has_geometry:
                unit.boundary = r.geometry
        _repath_descendants(units)
        revisions.bump("grid")
        audit.record(actor, "units", None, "import", {"created": created, "updated": updated})
    return ImportSummary(created, updated)


def _repath_descendants(units: dict[str, Unit]) -> None:
    """A unit that moved carries its subtree along."""
    for unit in sorted(units.values(), key=lambda u: u.path.count("/")):
        if unit.parent is not None:
            unit.path = Unit.path_for(unit.parent, unit.code)


def export_geojson() -> dict:
    units = db.session.scalars(
        select(Unit).where(Unit.active, Unit.boundary.is_not(None)).order_by(Unit.path).options(undefer(Unit.boundary))
    )
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": u.boundary, "properties": _unit_row(u)} for u in units],
    }


def export_units_csv() -> str:
    units = db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.path))
    return spreadsheet_csv(UNIT_FIELDS, (_unit_row(u) for u in units))


def _unit_row(unit: Unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "parent_code": unit.parent.code if unit.parent else None,
        "kind": unit.kind,
        "dept_type": unit.dept_type,
    }
