"""What follows the rating: 监督 by the centre's supervisors, for the appeals that must be
audited or were drawn (the rest pass by themselves), and before it, for a field-check
category, the 核查 on the spot by the unit of the place (hotline.appeals.sampling says which).
A false answer found either way (虚假办结) goes back to the unit with points deducted."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator
from sqlalchemy import func, select

from hotline.appeals import effects, sampling
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import close, reopen
from hotline.appeals.attachments.models import Attachment
from hotline.appeals.deadlines import stop_clock
from hotline.appeals.guards import ActionContext
from hotline.appeals.states import Act, State
from hotline.core.errors import BadRequest, Conflict
from hotline.core.extensions import db
from hotline.core.validation import FieldErrors

PASSES_BY_ITSELF = (Act.AUDIT, {"passed": True, "note": "未抽中监督，自动通过"})
PHOTO_FIRST = "请先上传现场核查照片"


def to_audit(ctx: ActionContext, details: dict[str, Any]) -> Outcome:
    """The round is rated (or could not be): into 监督, where it waits for its 核查 or for a
    person if it must be audited or is drawn; otherwise it passes to 评价 by itself."""
    appeal = ctx.appeal
    stop_clock(appeal)
    return _planned(ctx, details)


def _planned(ctx: ActionContext, details: dict[str, Any]) -> Outcome:
    appeal = ctx.appeal
    audit = sampling.plan(appeal)
    appeal.audit_reason, appeal.check_unit = audit.reason, audit.check_unit
    if audit.check_unit is not None:
        effects.check_needed(appeal, audit.check_unit, ctx.at)
    return Outcome(audit.check_unit, {**details, **audit.details()}, None if audit.waits else PASSES_BY_ITSELF)


# 核查: the place's unit checks the answer on the spot, with a photo.
class CheckBody(ActionBody):
    passed: bool = Field(title="核查结论", description="true：与答复相符；false：虚假办结，退回重办")
    note: str = Field(min_length=1, max_length=1000, title="核查情况")


def _prepare_check(ctx: ActionContext) -> Prepared:
    taken = db.session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(
            Attachment.appeal_id == ctx.appeal.id,
            Attachment.kind == "check",
            Attachment.unit_id == ctx.user.unit_id,
            Attachment.created_at >= ctx.appeal.visited_at,
        )
    )
    if not taken:
        raise BadRequest(f"请求内容有误：现场照片：{PHOTO_FIRST}", fields={"photos": PHOTO_FIRST})
    return {"photos": taken}


def _apply_check(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    appeal.check_unit = None
    if ctx.body.passed:
        appeal.checked_at = ctx.at
        return _planned(ctx, {"photos": prepared["photos"]})
    deduction = sampling.deduct(appeal, ctx.at, ctx.user.id)
    return Outcome(appeal.main_unit, {"photos": prepared["photos"], **deduction, **reopen(appeal, ctx.at)})


CHECK = Action(Act.CHECK, CheckBody, _apply_check, _prepare_check, note_field=False)


# 监督
class AuditBody(ActionBody):
    passed: bool

    @model_validator(mode="after")
    def _reason_when_failed(self) -> Self:
        if not self.passed and not self.note:
            raise FieldErrors({"note": "监督不通过时必须说明理由"})
        return self


def _prepare_audit(ctx: ActionContext) -> Prepared:
    unit = ctx.appeal.check_unit
    if unit is not None and ctx.body.passed:
        raise Conflict(f"须先由{unit.name}现场核查，才能通过监督")
    return {}


def _apply_audit(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    appeal.check_unit = None
    if appeal.state == State.EVALUATED:
        close(appeal, ctx.at)
        effects.text_citizen(appeal, "sms.closed")
        return Outcome()
    deduction = sampling.deduct(appeal, ctx.at, ctx.user.id) if appeal.main_unit_id else {}
    return Outcome(appeal.main_unit, {**deduction, **reopen(appeal, ctx.at)})


def _audit_form(ctx: ActionContext) -> dict[str, Any]:
    return {"reason": ctx.appeal.audit_reason, "check_unit": ctx.appeal.check_unit}


AUDIT = Action(Act.AUDIT, AuditBody, _apply_audit, _prepare_audit, _audit_form)
