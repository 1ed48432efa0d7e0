"""Editing the SLA policy table (administrators); each change bumps the "sla" revision so
every process reloads it, and is audited."""

from __future__ import annotations

from pydantic import Field, field_validator
from sqlalchemy import delete, insert, select

from hotline.appeals.deadlines import LIMIT_FORMS, LIMIT_PATTERN, Limit
from hotline.appeals.models import SlaPolicy
from hotline.appeals.permissions import EDIT_SLA
from hotline.appeals.sla_defaults import FIELDS, LIMIT_FIELDS, default_rows
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
        revisions.bump("sla")
        audit.record(actor, "sla_policy", None, "reset", {})
