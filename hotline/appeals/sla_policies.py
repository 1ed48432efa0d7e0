"""Editing the SLA policy table (administrators); each change bumps the "sla" revision so
every process reloads it, and is audited."""

from __future__ import annotations

from pydantic import Field, field_validator
from sqlalchemy import delete, insert, select

from hotline.appeals.deadlines import LIMIT_FORMS, LIMIT_PATTERN, Limit
from hotline.appeals.models import SlaCategoryLimit, SlaPolicy
from hotline.appeals.permissions import EDIT_SLA
from hotline.appeals.sla_defaults import CATEGORY_DEFAULTS, FIELDS, LIMIT_FIELDS, default_rows
from hotline.categories.models import Category
from hotline.core import audit, revisions
from hotline.core.db import write_transaction
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor
from hotline.core.validation import Body, validate

LimitText = Field(pattern=LIMIT_PATTERN, description=f"如 {LIMIT_FORMS}")


class PolicyBody(Body):
    dispatch: str = Field(pattern=LIMIT_PATTERN, description="热线中心受理后派单时限")
    sign: str = LimitText
    return_window: str = LimitText
    handle: str = LimitText
    review: str = Field(pattern=LIMIT_PATTERN, description="热线中心审核单位反馈的时限")
    visit: str = LimitText
    reopen: str = LimitText
    red_after: str = LimitText
    extension_times: int = Field(ge=0, le=10)
    extension_max_days: int = Field(ge=0, le=60)
    reopen_rounds: int = Field(ge=0, le=10)

    @field_validator(*LIMIT_FIELDS)
    @classmethod
    def _limit(cls, value: str) -> str:
        Limit.parse(value)
        return value


def list_policies() -> list[SlaPolicy]:
    """The time limits, for anyone to read (the console tells callers what to expect)."""
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.urgency, SlaPolicy.type)))


def policies_to_edit(actor: Actor) -> list[SlaPolicy]:
    """The table on the administrators' page."""
    EDIT_SLA.require(actor)
    return list_policies()


def snapshot(row: SlaPolicy) -> dict:
    return {f: getattr(row, f) for f in FIELDS}


def update_policy(urgency: str, appeal_type: str, data, actor: Actor) -> SlaPolicy:
    EDIT_SLA.require(actor)
    body = validate(PolicyBody, data, "办理时限")
    with write_transaction(db.session):
        row = db.session.get(SlaPolicy, (urgency, appeal_type))
        if row is None:
            raise NotFound(f"没有「{urgency}·{appeal_type}」的时限设置")
        before = snapshot(row)
        for name, value in body.model_dump().items():
            setattr(row, name, value)
        revisions.bump("sla")
        audit.record(
            actor, "sla_policy", f"{urgency}/{appeal_type}", "update", {"before": before, "after": body.model_dump()}
        )
    return row


def reset_defaults(actor: Actor) -> None:
    EDIT_SLA.require(actor)
    with write_transaction(db.session):
        db.session.execute(delete(SlaPolicy))
        db.session.execute(insert(SlaPolicy), default_rows())
        db.session.execute(delete(SlaCategoryLimit))
        add_category_defaults()
        revisions.bump("sla")
        audit.record(actor, "sla_policy", None, "reset", {})


# ------------------------------------------------------------------ categories' ceilings


class CategoryLimitBody(Body):
    sign: str | None = Field(None, max_length=8, title="签收时限上限", description=f"如 {LIMIT_FORMS}")
    handle: str | None = Field(None, max_length=8, title="办结时限上限", description=f"如 {LIMIT_FORMS}")

    @field_validator("sign", "handle", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sign", "handle")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        if value is not None:
            Limit.parse(value)
        return value


def category_limits() -> list[SlaCategoryLimit]:
    """The categories with limits of their own, for anyone to read."""
    return list(db.session.scalars(select(SlaCategoryLimit).join(SlaCategoryLimit.category).order_by(Category.code)))


def all_categories() -> list[Category]:
    """Every active category, in code order (a ceiling may sit at any level)."""
    return list(db.session.scalars(select(Category).where(Category.active).order_by(Category.code)))


def category_by_code(code: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise NotFound(f"没有编码为「{code}」的诉求分类")
    return category


def set_category_limit(code: str, data, actor: Actor) -> SlaCategoryLimit | None:
    """A category's own sign and handle limits (None for both: it has none any more)."""
    EDIT_SLA.require(actor)
    body = validate(CategoryLimitBody, data, "分类时限")
    with write_transaction(db.session):
        category = category_by_code(code)
        row = db.session.get(SlaCategoryLimit, category.id)
        before = {"sign": row.sign, "handle": row.handle} if row else None
        if body.sign is None and body.handle is None:
            if row is not None:
                db.session.delete(row)
            row = None
        else:
            row = row or SlaCategoryLimit(category_id=category.id, category=category)
            row.sign, row.handle = body.sign, body.handle
            db.session.add(row)
        revisions.bump("sla")
        audit.record(actor, "sla_category_limit", code, "update", {"before": before, "after": body.model_dump()})
    return row


def add_category_defaults() -> int:
    """The default ceilings for the categories of this taxonomy that have the default codes
    (in the caller's transaction; the caller bumps the "sla" revision)."""
    found = select(Category.code, Category.id).where(Category.code.in_(CATEGORY_DEFAULTS))
    ids = dict(db.session.execute(found).tuples().all())
    rows = [
        {"category_id": ids[code], "sign": sign, "handle": handle}
        for code, (sign, handle) in CATEGORY_DEFAULTS.items()
        if code in ids
    ]
    if rows:
        db.session.execute(insert(SlaCategoryLimit), rows)
    return len(rows)
