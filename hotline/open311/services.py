"""The services Open311 clients may file under: the leaf categories, with the questions a
report of each kind should answer (served as its attributes)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from hotline.categories import lookup
from hotline.categories.models import Category
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.open311.spec import CHANGESET, DATATYPES, LIST_DATATYPES, SPECIFICATION

# ------------------------------------------------------------------ services


class Value(BaseModel):
    key: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)


class Question(BaseModel):
    """One question of a category: an attribute of its Open311 service."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = Field(min_length=1, max_length=200)
    datatype: str = Field(pattern="^(" + "|".join(DATATYPES) + ")$")
    required: bool = False
    datatype_description: str | None = Field(None, max_length=200)
    order: int = Field(1, ge=1, le=100)
    values: list[Value] = Field(default_factory=list, max_length=100)


def questions_of(category: Category) -> list[Question]:
    return sorted((Question.model_validate(q) for q in category.questions or []), key=lambda q: q.order)


def services() -> list[dict]:
    rows = db.session.scalars(
        select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL).order_by(Category.code)
    )
    return [_service(c) for c in rows]


def _service(c: Category) -> dict:
    group = c
    while group.parent is not None:
        group = group.parent
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.full_name,
        "metadata": bool(c.questions),
        "type": "realtime",
        "keywords": c.parent.name if c.parent else "",
        "group": group.name,
    }


def service_category(code: str) -> Category:
    category = lookup.by_code(code)
    if category is None or not category.active or not category.is_leaf:
        raise NotFound(f"service_code {code} not found: 没有这个服务")
    return category


def service_definition(code: str) -> dict:
    category = service_category(code)
    attributes = []
    for q in questions_of(category):
        attribute = {
            "variable": True,
            "code": q.code,
            "datatype": q.datatype,
            "required": q.required,
            "datatype_description": q.datatype_description or "",
            "order": q.order,
            "description": q.description,
        }
        if q.datatype in LIST_DATATYPES:
            attribute["values"] = [v.model_dump() for v in q.values]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def discovery(url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": current_app.config["HOTLINE_OPEN311_CONTACT"],
        "key_service": current_app.config["HOTLINE_OPEN311_KEY_SERVICE"],
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def check_questions(raw: Any) -> list[dict]:
    """Validate a category's questions (admin input, demo data)."""
    try:
        questions = [Question.model_validate(q) for q in raw or []]
    except ValidationError as exc:
        raise BadRequest(f"questions: {exc.errors()[0]['msg']}", fields={"questions": "格式有误"}) from None
    return [q.model_dump() for q in questions]
