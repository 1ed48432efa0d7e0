"""The organisation and the taxonomy, as reference data for clients."""
from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from hotline.extensions import db
from hotline.grid.models import Unit
from hotline.models import Category
from hotline.pagination import PageQuery, paginate
from hotline.web.api import api
from hotline.web.api.schemas import CategoryList, CategoryOut, UnitList, UnitOut
from hotline.workflow.schemas import Id


class UnitQuery(PageQuery):
    code: str | None = Field(None, max_length=32)
    parent_id: Id | None = None
    level: str | None = Field(None, max_length=16)
    kind: str | None = Field(None, max_length=16)


class CategoryQuery(PageQuery):
    leaf: bool | None = Field(None, description="true：只要末级分类")
    parent: str | None = Field(None, max_length=16, description="上级分类编码")


@api.endpoint("GET", "/units", summary="单位（省-市-区-街道-社区-网格与职能部门）", query=UnitQuery,
              response=UnitList, tags=("reference",))
def list_units(user, query: UnitQuery):
    stmt = select(Unit).where(Unit.active).order_by(Unit.path)
    for column, value in ((Unit.code, query.code), (Unit.parent_id, query.parent_id),
                          (Unit.level, query.level), (Unit.kind, query.kind)):
        if value is not None:
            stmt = stmt.where(column == value)
    units, page = paginate(stmt, query)
    return UnitList(items=[UnitOut.of(u) for u in units], **page)


@api.endpoint("GET", "/categories", summary="诉求分类（三级）", query=CategoryQuery,
              response=CategoryList, tags=("reference",))
def list_categories(user, query: CategoryQuery):
    stmt = select(Category).where(Category.active).order_by(Category.code)
    if query.leaf is not None:
        stmt = stmt.where((Category.level == Category.LEAF_LEVEL) == query.leaf)
    if query.parent:
        parent = db.session.scalar(select(Category).where(Category.code == query.parent))
        stmt = stmt.where(Category.parent_id == (parent.id if parent else None))
    categories, page = paginate(stmt, query)
    return CategoryList(items=[CategoryOut.of(c) for c in categories], **page)
