"""Editing the responsibility list (确责清单): rules one by one, or the whole list from CSV.
Every change is one transaction that writes an audit entry."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Select, delete, select

from hotline.categories.models import Category
from hotline.core import audit
from hotline.core.db import write_transaction
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor, Permission, holding
from hotline.core.safe_text import SpreadsheetCsvReader, spreadsheet_csv
from hotline.core.validation import Body, validate
from hotline.core.vocabulary import UNIT_LEVEL_NAMES
from hotline.grid.imports import ImportRejected
from hotline.grid.models import ResponsibilityRule, Unit
from hotline.grid.responsibility import DEPARTMENT_LEVELS

# Everyone who dispatches, reviews returns or must cite the list in a 退单 reads it;
# administrators keep it.
VIEW_RULES = Permission(
    "确责清单供派单、督办与承办人员查阅",
    lambda actor: actor.has_role("admin", "operator", "dispatcher", "supervisor", "handler"),
)
EDIT_RULES = holding("admin", refusal="只有系统管理员可以修改确责清单")
RULE_FIELDS = ["category", "area", "target_kind", "target_level", "dept_type", "priority", "basis"]


class RuleBody(Body):
    category: str = Field(min_length=2, max_length=16, description="分类编码（任一层级，含下级分类）")
    area: str | None = Field(None, max_length=32, description="仅适用于该区域（单位编码）；空为全市通用")
    target_kind: Literal["area", "department"] = Field(description="area：属地政府；department：职能部门")
    target_level: Literal["province", "city", "district", "street", "community", "grid"]
    dept_type: str | None = Field(None, max_length=20, description="职能部门类型，如 城管、住建")
    priority: int = Field(1, ge=1, le=99, description="同等具体程度下的先后")
    basis: str | None = Field(None, max_length=1000, description="确责依据")
    active: bool = True


def resolve_rule(body: RuleBody) -> dict:
    """The rule's columns, or 400 naming what does not fit."""
    fields: dict[str, str] = {}
    category = db.session.scalar(select(Category).where(Category.code == body.category))
    if category is None:
        fields["category"] = "没有这个分类"
    area = None
    if body.area:
        area = db.session.scalar(select(Unit).where(Unit.code == body.area))
        if area is None or not area.is_area:
            fields["area"] = "没有这个区域单位"
    if body.target_kind == "department":
        if body.target_level not in DEPARTMENT_LEVELS:
            fields["target_level"] = f"职能部门只设在省、市、区级，不能下沉到{UNIT_LEVEL_NAMES[body.target_level]}"
        elif not body.dept_type:
            fields["dept_type"] = "职能部门规则必须指定部门类型"
        elif (
            db.session.scalar(
                select(Unit.id)
                .where(Unit.kind == "department", Unit.dept_type == body.dept_type, Unit.level == body.target_level)
                .limit(1)
            )
            is None
        ):
            fields["dept_type"] = f"没有{UNIT_LEVEL_NAMES[body.target_level]}级「{body.dept_type}」部门"
    elif body.dept_type:
        fields["dept_type"] = "属地规则不指定部门类型"
    if fields or category is None:
        raise BadRequest("确责规则有误：" + "；".join(f"{k}：{v}" for k, v in fields.items()), fields=fields)
    return {
        "category_id": category.id,
        "area_id": area.id if area else None,
        "target_kind": body.target_kind,
        "target_level": body.target_level,
        "dept_type": body.dept_type,
        "priority": body.priority,
        "basis": body.basis,
        "active": body.active,
    }


def rule_snapshot(rule: ResponsibilityRule) -> dict:
    return {
        "category": rule.category.code,
        "area": rule.area.code if rule.area else None,
        "target_kind": rule.target_kind,
        "target_level": rule.target_level,
        "dept_type": rule.dept_type,
        "priority": rule.priority,
        "basis": rule.basis,
        "active": rule.active,
    }


def list_rules(actor: Actor) -> Select[tuple[ResponsibilityRule]]:
    VIEW_RULES.require(actor)
    return select(ResponsibilityRule).order_by(ResponsibilityRule.id)


def create_rule(data: Any, actor: Actor) -> ResponsibilityRule:
    EDIT_RULES.require(actor)
    body = validate(RuleBody, data, "确责规则")
    with write_transaction(db.session):
        rule = ResponsibilityRule(**resolve_rule(body))
        db.session.add(rule)
        db.session.flush()
        audit.record(actor, "responsibility_rule", rule.id, "create", rule_snapshot(rule))
    return rule


def get_rule(rule_id: int) -> ResponsibilityRule:
    rule = db.session.get(ResponsibilityRule, rule_id)
    if rule is None:
        raise NotFound("没有这条确责规则")
    return rule


def update_rule(rule_id: int, data: Any, actor: Actor) -> ResponsibilityRule:
    EDIT_RULES.require(actor)
    body = validate(RuleBody, data, "确责规则")
    with write_transaction(db.session):
        rule = get_rule(rule_id)
        before = rule_snapshot(rule)
        for name, value in resolve_rule(body).items():
            setattr(rule, name, value)
        db.session.flush()
        audit.record(actor, "responsibility_rule", rule.id, "update", {"before": before, "after": rule_snapshot(rule)})
    return rule


def delete_rule(rule_id: int, actor: Actor) -> None:
    EDIT_RULES.require(actor)
    with write_transaction(db.session):
        rule = get_rule(rule_id)
        audit.record(actor, "responsibility_rule", rule.id, "delete", rule_snapshot(rule))
        db.session.delete(rule)


def import_rules_csv(text: str, actor: Actor | None, *, replace: bool = True) -> int:
    """Load the list from CSV (columns RULE_FIELDS): by default it replaces the whole list.
    All or nothing; every bad line is named. `actor` None: the command line."""
    if actor is not None:
        EDIT_RULES.require(actor)
    reader = SpreadsheetCsvReader(text)
    missing = [c for c in ("category", "target_kind", "target_level") if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([f"CSV 缺少列：{', '.join(missing)}（需要 {', '.join(RULE_FIELDS)}）"])
    rows, problems = [], []
    for n, row in enumerate(reader, start=2):
        data = {k: v.strip() for k, v in row.items() if k in RULE_FIELDS and v and v.strip()}
        try:
            rows.append(resolve_rule(validate(RuleBody, data, "确责规则")))
        except BadRequest as exc:
            problems.append(f"第{n}行：" + "；".join(f"{k}：{v}" for k, v in exc.fields.items()))
    if problems:
        raise ImportRejected(problems)
    with write_transaction(db.session):
        if replace:
            db.session.execute(delete(ResponsibilityRule))
        db.session.add_all(ResponsibilityRule(**row) for row in rows)
        audit.record(actor, "responsibility_rule", None, "import", {"rows": len(rows), "replace": replace})
    return len(rows)


def export_rules_csv(actor: Actor | None) -> str:
    if actor is not None:
        VIEW_RULES.require(actor)
    rules = db.session.scalars(select(ResponsibilityRule).order_by(ResponsibilityRule.id))
    return spreadsheet_csv(RULE_FIELDS, ({k: rule_snapshot(r)[k] for k in RULE_FIELDS} for r in rules))
