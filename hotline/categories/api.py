"""The category taxonomy, as reference data for clients."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from hotline.categories.models import Category
from hotline.categories.presenters import CategoryList, CategoryOut
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery, paginate
from hotline.web.api import api


class CategoryQuery(PageQuery):
    leaf: bool | None = Field(None, description="true：只要末级分类")
    parent: str | None = Field(None, max_length=16, description="上级分类编码")


@api.endpoint(
    "GET", "/categories", summary="诉求分类（三级）", query=CategoryQuery, response=CategoryList, tags=("reference",)
)
def list_categories(user, query: CategoryQuery):
    stmt = select(Category).where(Category.active).order_by(Category.code)
    if query.leaf is not None:
        stmt = stmt.where((Category.level == Category.LEAF_LEVEL) == query.leaf)
    if query.parent:
        parent = db.session.scalar(select(Category).where(Category.code == query.parent))
        stmt = stmt.where(Category.parent_id == (parent.id if parent else None))
    categories, page = paginate(stmt, query)
    return CategoryList(items=[CategoryOut.of(c) for c in categories], **page)
