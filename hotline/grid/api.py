"""API of the grid feature: locating points, routing suggestions, the responsibility list."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import undefer

from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import CHINA_LAT, CHINA_LON, Body, Id, validate
from hotline.grid import rules
from hotline.grid.geo import placement
from hotline.grid.models import Unit
from hotline.grid.presenters import (
    ImportResult,
    PlacementOut,
    RuleList,
    RuleOut,
    UnitDetail,
    UnitList,
    UnitOut,
    UnitRef,
)
from hotline.web.api import api


class UnitQuery(PageQuery):
    code: str | None = Field(None, max_length=32)
    parent_id: Id | None = None
    level: str | None = Field(None, max_length=16)
    kind: str | None = Field(None, max_length=16)


class LocateQuery(Body):
    lat: float = Field(ge=CHINA_LAT[0], le=CHINA_LAT[1])
    lon: float = Field(ge=CHINA_LON[0], le=CHINA_LON[1])


class RuleImport(Body):
    csv: str = Field(min_length=1, max_length=2_000_000, description="CSV 文本，列：" + ",".join(rules.RULE_FIELDS))
    replace: bool = Field(True, description="true：替换整个清单")


@api.endpoint(
    "GET", "/routing/locate", summary="坐标落到哪个网格", query=LocateQuery, response=PlacementOut, tags=("routing",)
)
def locate(user, query: LocateQuery):
    return PlacementOut.of(placement(query.lon, query.lat))


@api.endpoint(
    "GET",
    "/units",
    summary="单位（省-市-区-街道-社区-网格与职能部门）",
    query=UnitQuery,
    response=UnitList,
    tags=("reference",),
)
def list_units(user, query: UnitQuery):
    stmt = select(Unit).where(Unit.active).order_by(Unit.path)
    for column, value in (
        (Unit.code, query.code),
        (Unit.parent_id, query.parent_id),
        (Unit.level, query.level),
        (Unit.kind, query.kind),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    units, page = paginate(stmt, query)
    return UnitList(items=[UnitOut.of_unit(u) for u in units], **page)


@api.endpoint(
    "GET",
    "/units/<int:unit_id>",
    summary="单位详情（含上级链与边界）",
    response=UnitDetail,
    tags=("reference",),
    errors=(404,),
)
def get_unit(user, unit_id: int):
    unit = db.session.get(Unit, unit_id, options=[undefer(Unit.boundary)])
    if unit is None:
        raise NotFound("没有这个单位")
    return UnitDetail(
        **UnitOut.of_unit(unit).model_dump(),
        path=unit.path,
        boundary=unit.boundary,
        ancestors=[UnitRef.of(u) for u in db.session.scalars(unit.ancestors_query())],
    )


@api.endpoint(
    "GET", "/routing-rules", summary="确责清单", query=PageQuery, response=RuleList, tags=("routing",), errors=(403,)
)
def list_rules(user, query: PageQuery):
    found, page = paginate(rules.list_rules(user), query)
    return RuleList(items=[RuleOut.of(r) for r in found], **page)


@api.endpoint(
    "POST",
    "/routing-rules",
    summary="新增确责规则（管理员）",
    body=rules.RuleBody,
    response=RuleOut,
    status=201,
    tags=("routing",),
    errors=(403,),
)
def create_rule(user, data):
    return RuleOut.of(rules.create_rule(data, user))


@api.endpoint(
    "PUT",
    "/routing-rules/<int:rule_id>",
    summary="修改确责规则（管理员）",
    body=rules.RuleBody,
    response=RuleOut,
    tags=("routing",),
    errors=(403, 404),
)
def update_rule(user, rule_id: int, data):
    return RuleOut.of(rules.update_rule(rule_id, data, user))


@api.endpoint(
    "DELETE",
    "/routing-rules/<int:rule_id>",
    summary="删除确责规则（管理员）",
    status=204,
    tags=("routing",),
    errors=(403, 404),
)
def delete_rule(user, rule_id: int):
    rules.delete_rule(rule_id, user)


@api.endpoint(
    "POST",
    "/routing-rules/import",
    summary="从 CSV 导入确责清单（管理员）",
    body=RuleImport,
    response=ImportResult,
    tags=("routing",),
    errors=(403,),
)
def import_rules(user, data):
    body = validate(RuleImport, data)
    return ImportResult(rules=rules.import_rules_csv(body.csv, user, replace=body.replace))
