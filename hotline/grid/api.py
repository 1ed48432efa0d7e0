"""API of the grid feature: locating points, routing suggestions, the responsibility list."""
from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.grid import operations
from hotline.grid.geo import Placement, placement
from hotline.grid.models import ResponsibilityRule, Unit
from hotline.grid.responsibility import department_duty, suggest_for
from hotline.validation import validate
from hotline.pagination import Page, PageQuery, paginate
from hotline.web.api import api
from hotline.web.api.appeals import REF
from hotline.web.api.schemas import UnitOut, UnitRef
from hotline.workflow.operations import find_appeal
from hotline.workflow.schemas import CHINA_LAT, CHINA_LON, Body




class PlacementOut(BaseModel):
    grid: UnitRef | None
    unit: UnitRef | None = Field(description="点所在的最小单位（网格，或兜底的上级区域）")
    chain: list[UnitRef] = Field(description="从省到该单位的上级链")
    reason: str | None = Field(description="未落入网格时的原因")

    @classmethod
    def of(cls, place: Placement) -> PlacementOut:
        unit = db.session.get(Unit, place.unit_id) if place.unit_id else None
        chain = [*db.session.scalars(unit.ancestors_query()), unit] if unit else []
        return cls(grid=UnitRef.of(db.session.get(Unit, place.grid_id)) if place.grid_id else None,
                   unit=UnitRef.of(unit), chain=[UnitRef.of(u) for u in chain], reason=place.reason)


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
        return cls(id=r.id, category=r.category.code, category_name=r.category.full_name,
                   area=UnitRef.of(r.area), target_kind=r.target_kind, target_level=r.target_level,
                   dept_type=r.dept_type, priority=r.priority, basis=r.basis, active=r.active,
                   description=r.describe())


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


class LocateQuery(Body):
    lat: float = Field(ge=CHINA_LAT[0], le=CHINA_LAT[1])
    lon: float = Field(ge=CHINA_LON[0], le=CHINA_LON[1])


class RuleImport(Body):
    csv: str = Field(min_length=1, max_length=2_000_000,
                     description="CSV 文本，列：" + ",".join(operations.RULE_FIELDS))
    replace: bool = Field(True, description="true：替换整个清单")


class ImportResult(BaseModel):
    rules: int


class UnitDetail(UnitOut):
    path: str
    ancestors: list[UnitRef]
    boundary: dict | None = Field(description="GeoJSON 几何（WGS84）")


@api.endpoint("GET", "/routing/locate", summary="坐标落到哪个网格", query=LocateQuery, response=PlacementOut,
              tags=("routing",))
def locate(user, query: LocateQuery):
    return PlacementOut.of(placement(query.lon, query.lat))


@api.endpoint("GET", "/appeals/<ref>/routing", summary="派单建议（确责清单）", response=RoutingOut,
              tags=("routing",), errors=(404,), path_params={"ref": REF})
def appeal_routing(user, ref):
    appeal = find_appeal(ref, user)
    suggestions, notes = suggest_for(appeal)
    duty = department_duty(appeal)
    place = Placement(appeal.grid_id, appeal.place_unit_id, appeal.place_note)
    return RoutingOut(
        place=PlacementOut.of(place),
        suggestions=[SuggestionOut(rank=s.rank, unit=UnitOut.of(s.unit), rule=RuleOut.of(s.rule)) for s in suggestions],
        notes=notes, department_duty=RuleOut.of(duty) if duty else None,
    )


@api.endpoint("GET", "/units/<int:unit_id>", summary="单位详情（含上级链与边界）", response=UnitDetail,
              tags=("reference",), errors=(404,))
def get_unit(user, unit_id: int):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("没有这个单位")
    return UnitDetail(**UnitOut.of(unit).model_dump(), path=unit.path, boundary=unit.boundary,
                      ancestors=[UnitRef.of(u) for u in db.session.scalars(unit.ancestors_query())])


@api.endpoint("GET", "/routing-rules", summary="确责清单", query=PageQuery, response=RuleList, tags=("routing",))
def list_rules(user, query: PageQuery):
    rules, page = paginate(select(ResponsibilityRule).order_by(ResponsibilityRule.id), query)
    return RuleList(items=[RuleOut.of(r) for r in rules], **page)


@api.endpoint("POST", "/routing-rules", summary="新增确责规则（管理员）", body=operations.RuleBody,
              response=RuleOut, status=201, tags=("routing",), errors=(403,))
def create_rule(user, data):
    user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    return RuleOut.of(operations.create_rule(data, user))


@api.endpoint("PUT", "/routing-rules/<int:rule_id>", summary="修改确责规则（管理员）", body=operations.RuleBody,
              response=RuleOut, tags=("routing",), errors=(403, 404))
def update_rule(user, rule_id: int, data):
    user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    return RuleOut.of(operations.update_rule(rule_id, data, user))


@api.endpoint("DELETE", "/routing-rules/<int:rule_id>", summary="删除确责规则（管理员）", status=204,
              tags=("routing",), errors=(403, 404))
def delete_rule(user, rule_id: int):
    user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    operations.delete_rule(rule_id, user)


@api.endpoint("POST", "/routing-rules/import", summary="从 CSV 导入确责清单（管理员）", body=RuleImport,
              response=ImportResult, tags=("routing",), errors=(403,))
def import_rules(user, data):
    user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    body = validate(RuleImport, data)
    return ImportResult(rules=operations.import_rules_csv(body.csv, user, replace=body.replace))
