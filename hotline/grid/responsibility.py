"""The responsibility list (确责清单) applied to an appeal: ranked dispatch suggestions, and
the refusal to push a department's duty down to street, community or grid."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased

from hotline.categories.models import Category
from hotline.core.db import plain_rows
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.vocabulary import UNIT_LEVEL_NAMES
from hotline.grid.models import ResponsibilityRule, Unit

# Levels a department's duty may not be pushed down to.
BELOW_DEPARTMENTS = ("street", "community", "grid")
DEPARTMENT_LEVELS = ("province", "city", "district")


@dataclass(frozen=True)
class Suggestion:
    unit: Unit
    rule: ResponsibilityRule
    rank: int


def centre_area() -> Unit | None:
    """The area the hotline centre serves (the unit it hangs on), if there is a centre."""
    return db.session.scalar(select(Unit).where(Unit.id == centre_area_id().scalar_subquery()))


def centre_area_id() -> Select[tuple[int | None]]:
    return select(Unit.parent_id).where(Unit.kind == "centre", Unit.active).order_by(Unit.id).limit(1)


def place_chain(place: Unit | None) -> dict[str, Unit]:
    """Level → area unit, from the place up to the province. Without a place, the chain of
    the centre's own city (a city- or province-level duty can still be found)."""
    if place is None:
        place = centre_area()
        if place is None:
            return {}
    units = [*db.session.scalars(place.ancestors_query()), place]
    return {u.level: u for u in units if u.is_area}


def matching_rules(category: Category, place_id: int | None) -> list[ResponsibilityRule]:
    """Active rules for the category or any category above it, whose area (if any) holds the
    place (the centre's own area without one); most specific first: a rule for an area
    before a general one, a deeper category before a shallower one, then by priority."""
    return list(db.session.scalars(_rules_holding(place_id is not None), _parameters(category, place_id)))


def _parameters(category: Category, place_id: int | None) -> dict[str, Any]:
    return {"prefixes": [category.code[:n] for n in range(2, len(category.code) + 1, 2)], "place_id": place_id}


@functools.cache
def _rules_holding(with_place: bool) -> Select[tuple[ResponsibilityRule]]:
    """matching_rules' statement, built once: a department's duty is checked on every dispatch."""
    place = aliased(Unit)
    at = place.id == (bindparam("place_id") if with_place else centre_area_id().scalar_subquery())
    # The areas holding the place: itself if it is one, and every area above it.
    holding = (
        select(Unit.id)
        .join(place, and_(at, func.substr(place.path, 1, func.length(Unit.path)) == Unit.path))
        .where(Unit.kind == "area")
    )
    return (
        select(ResponsibilityRule)
        .join(Category, ResponsibilityRule.category_id == Category.id)
        .where(
            ResponsibilityRule.active,
            Category.code.in_(bindparam("prefixes", expanding=True)),
            or_(ResponsibilityRule.area_id.is_(None), ResponsibilityRule.area_id.in_(holding)),
        )
        .order_by(
            ResponsibilityRule.area_id.is_(None),
            func.length(Category.code).desc(),
            ResponsibilityRule.priority,
            ResponsibilityRule.id,
        )
    )


@functools.cache
def _first_rule(with_place: bool) -> Select[tuple[int, bool]]:
    """The most specific rule's id and whether it is a department's duty: what a dispatch
    checks, as two plain columns (loading every matching rule, its category and area was a
    tenth of a dispatch)."""
    duty = ResponsibilityRule.is_department_duty.label("is_department_duty")
    return _rules_holding(with_place).with_only_columns(ResponsibilityRule.id, duty).limit(1)


def target_of(rule: ResponsibilityRule, chain: dict[str, Unit]) -> Unit | None:
    area = chain.get(rule.target_level)
    if area is None or not rule.is_department_duty:
        return area
    return db.session.scalar(
        select(Unit).where(
            Unit.parent_id == area.id, Unit.kind == "department", Unit.dept_type == rule.dept_type, Unit.active
        )
    )


def suggest(category: Category, place: Unit | None) -> tuple[list[Suggestion], list[str]]:
    """Ranked units to dispatch to, each with the rule behind it; and notes on rules that
    could not be applied to this place."""
    chain = place_chain(place)
    suggestions: list[Suggestion] = []
    notes: list[str] = []
    for rule in matching_rules(category, place.id if place is not None else None):
        unit = target_of(rule, chain)
        if unit is None:
            notes.append(
                f"{rule.describe()}：未能定位到{UNIT_LEVEL_NAMES[rule.target_level]}级"
                f"{'部门' if rule.is_department_duty else '属地单位'}，请人工选择"
            )
        elif all(s.unit.id != unit.id for s in suggestions):
            suggestions.append(Suggestion(unit, rule, len(suggestions) + 1))
    if not suggestions and not notes:
        notes.append("确责清单中没有适用于该分类的规则，请人工选择承办单位")
    return suggestions, notes


def department_duty(category: Category, place_id: int | None) -> ResponsibilityRule | None:
    """The rule that makes a problem of this kind at this place a department's duty, if its
    first rule is one."""
    first = plain_rows(db.session, _first_rule(place_id is not None), _parameters(category, place_id)).first()
    if first is None or not first.is_department_duty:
        return None
    return db.session.get(ResponsibilityRule, first.id)


def check_not_pushed_down(category: Category, place_id: int | None, unit: Unit, field: str = "unit_id") -> None:
    """400 when a department's duty would go to a street, community or grid."""
    if not (unit.is_area and unit.level in BELOW_DEPARTMENTS):
        return
    rule = department_duty(category, place_id)
    if rule is not None:
        reason = (
            f"依据{rule.describe()}，该事项属{UNIT_LEVEL_NAMES[rule.target_level]}级{rule.dept_type}部门职责，"
            f"部门职责不得下沉到{UNIT_LEVEL_NAMES[unit.level]}"
        )
        raise BadRequest(f"请求内容有误：{field}：{reason}", fields={field: reason}, rule_id=rule.id)
