"""How the API shows categories."""

from __future__ import annotations

from pydantic import BaseModel

from hotline.categories.models import Category
from hotline.core.pagination import Page


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    full_name: str
    level: int
    parent_id: int | None
    is_leaf: bool

    @classmethod
    def of(cls, c: Category) -> CategoryOut:
        return cls(
            id=c.id,
            code=c.code,
            name=c.name,
            full_name=c.full_name,
            level=c.level,
            parent_id=c.parent_id,
            is_leaf=c.is_leaf,
        )


class CategoryList(Page):
    items: list[CategoryOut]


class CategoryRef(BaseModel):
    code: str
    name: str

    @classmethod
    def of(cls, c: Category) -> CategoryRef:
        return cls(code=c.code, name=c.name)
