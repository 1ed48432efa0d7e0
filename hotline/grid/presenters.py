"""How the API shows units of the organisation."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hotline.core.extensions import db
from hotline.core.pagination import Page
from hotline.grid.geo import Placement
from hotline.grid.models import ResponsibilityRule, Unit


class UnitRef(BaseModel):
    id: int
    code: str
    name: str

    @classmethod
    def of(cls, unit: Unit | None) -> UnitRef | None:
        return cls(id=unit.id, code=unit.code, name=unit.name) if unit else None


class UnitOut(UnitRef):
    level: str
    kind: str
    dept_type: str | None
    parent_id: int | None

    @classmethod
    def of_unit(cls, unit: Unit) -> UnitOut:
        return cls(
            id=unit.id,
            code=unit.code,
            name=unit.name,
            level=unit.level,
            kind=unit.kind,
            dept_type=unit.dept_type,
            parent_id=unit.parent_id,
        )


class UnitList(Page):
    items: list[UnitOut]


class PlacementOut(BaseModel):
    grid: UnitRef | None
    unit: UnitRef | None = Field(description="点所在的最小单位（网格，或兜底的上级区域）")
    chain: list[UnitRef] = Field(description="从省到该单位的上级链")
    reason: str | None = Field(description="未落入网格时的原因")

    @classmethod
    def of(cls, place: Placement) -> PlacementOut:
        unit = db.session.get(Unit, place.unit_id) if place.unit_id else None
        chain = [*db.session.scalars(unit.ancestors_query()), unit] if unit else []
        return cls(
            grid=UnitRef.of(db.session.get(Unit, place.grid_id)) if place.grid_id else None,
            unit=UnitRef.of(unit),
            chain=[UnitRef.of(u) for u in chain],
            reason=place.reason,
        )


class RuleOut(BaseModel):
    id: int
    category: str
    category_name: str
    area: UnitRef | None
    target_kind: str
    target_level: str
    dept_type: str | None
    priority: int
    basis: str | None
    active: bool
    description: str

    @classmethod
    def of(cls, r: ResponsibilityRule) -> RuleOut:
        return cls(
            id=r.id,
            category=r.category.code,
            category_name=r.category.full_name,
            area=UnitRef.of(r.area),
            target_kind=r.target_kind,
            target_level=r.target_level,
            dept_type=r.dept_type,
            priority=r.priority,
            basis=r.basis,
            active=r.active,
            description=r.describe(),
        )


class RuleList(Page):
    items: list[RuleOut]


class SuggestionOut(BaseModel):
    rank: int
    unit: UnitOut
    rule: RuleOut


class RoutingOut(BaseModel):
    place: PlacementOut
    suggestions: list[SuggestionOut] = Field(description="按确责清单排序的派单建议")
    notes: list[str]
    department_duty: RuleOut | None = Field(description="属职能部门职责时的依据规则：不得派往街道、社区、网格")


class ImportResult(BaseModel):
    rules: int


class UnitDetail(UnitOut):
    path: str
    ancestors: list[UnitRef]
    boundary: dict | None = Field(description="GeoJSON 几何（WGS84）")
