"""The handling unit's work: 签收, 联系市民, 延期 and its decision, 反馈; and a 联办 co-unit's
own 协办签收 and 协办反馈."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hotline.appeals import effects
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import decide, handling_clock
from hotline.appeals.deadlines import Limit, close_card, due, long_cycle_max_days, policy_for, start_desk_clock
from hotline.appeals.guards import ActionContext, own_co_part
from hotline.appeals.models import Extension
from hotline.appeals.states import Act
from hotline.core.errors import BadRequest, Conflict
from hotline.core.vocabulary import RESOLUTIONS, Resolution


# 签收
def _apply_sign(ctx: ActionContext, prepared: Prepared) -> Outcome:
    ctx.appeal.signed_at = ctx.at
    handling_clock(ctx.appeal)
    return Outcome()


SIGN = Action(Act.SIGN, ActionBody, _apply_sign)


# 联系市民: the first contact after the unit received it is what 响应率 measures.
CONTACT_METHODS = ("电话", "上门", "短信")


class ContactBody(ActionBody):
    """联系市民: the handling unit reached (or tried to reach) the citizen."""

    method: Literal["电话", "上门", "短信"] = Field(description="联系方式")
    note: str = Field(min_length=1, max_length=1000, description="沟通情况")


def _apply_contact(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    first = appeal.first_contact_at is None
    if first:
        appeal.first_contact_at = ctx.at
    on_time = appeal.contact_due_at is None or ctx.at <= appeal.contact_due_at
    return Outcome(details={"method": ctx.body.method, "first": first, "on_time": on_time})


CONTACT = Action(
    Act.CONTACT, ContactBody, _apply_contact, note_field=False, form_context=lambda ctx: {"methods": CONTACT_METHODS}
)


# 延期: within the policy's times and days, decided by the supervisors above the unit; a
# 长周期 matter may ask beyond them, and the centre's supervisors decide.
class ExtensionRequestBody(ActionBody):
    working_days: int = Field(ge=1, le=60, title="延期工作日数")
    reason: str = Field(min_length=1, max_length=1000, title="延期理由")
    long_cycle: bool = Field(False, title="长周期事项", description="超出常规延期的次数或天数，报热线中心督办员审批")


LONG_CYCLE_HINT = "；确需较长周期办理的，请勾选「长周期事项」报热线中心审批"


def _regular_extensions(ctx: ActionContext) -> int:
    return sum(1 for e in ctx.appeal.extensions if e.status == "approved" and not e.long_cycle)


def _prepare_extension(ctx: ActionContext) -> Prepared:
    days = ctx.body.working_days
    if ctx.body.long_cycle:
        limit = long_cycle_max_days()
        if days > limit:
            raise BadRequest(
                f"请求内容有误：延期工作日数：长周期延期每次最多{limit}个工作日",
                fields={"working_days": f"长周期延期每次最多{limit}个工作日"},
            )
        return {}
    policy = policy_for(ctx.appeal)
    if _regular_extensions(ctx) >= policy.extension_times:
        used_up = (
            f"{policy.name}诉求不能延期"
            if policy.extension_times == 0
            else f"延期次数已用完（{policy.name}诉求最多延期{policy.extension_times}次）"
        )
        raise Conflict(used_up + LONG_CYCLE_HINT)
    if days > policy.extension_max_days:
        refusal = f"每次最多延期{policy.extension_max_days}个工作日"
        raise BadRequest(f"请求内容有误：延期工作日数：{refusal}{LONG_CYCLE_HINT}", fields={"working_days": refusal})
    return {}


def _apply_request_extension(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, unit = ctx.appeal, ctx.appeal.current_unit
    assert unit is not None, "CURRENT_UNIT guards a request"
    extension = Extension(
        unit_id=unit.id,
        requested_by_id=ctx.user.id,
        requested_at=ctx.at,
        working_days=ctx.body.working_days,
        reason=ctx.body.reason,
        long_cycle=ctx.body.long_cycle,
    )
    appeal.extensions.append(extension)
    effects.extension_requested(appeal, unit, extension, ctx.at)
    return Outcome()


def _extension_form(ctx: ActionContext) -> dict[str, Any]:
    policy = policy_for(ctx.appeal)
    return {
        "max_days": policy.extension_max_days,
        "regular_left": max(policy.extension_times - _regular_extensions(ctx), 0),
        "long_cycle_max_days": long_cycle_max_days(),
    }


REQUEST_EXTENSION = Action(
    Act.REQUEST_EXTENSION, ExtensionRequestBody, _apply_request_extension, _prepare_extension, _extension_form
)


def _decide_extension(ctx: ActionContext, approved: bool) -> Extension:
    ext = ctx.appeal.pending_extension
    assert ext is not None, "PENDING_EXTENSION guards a decision"
    decide(ext, "approved" if approved else "rejected", ctx)
    return ext


def _apply_approve_extension(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    ext = _decide_extension(ctx, True)
    assert appeal.due_at is not None, "an appeal in hand has a deadline"
    ext.previous_due_at = appeal.due_at
    appeal.due_at = ext.new_due_at = due(Limit(working_days=ext.working_days), appeal.due_at)
    appeal.extension_count += 1
    handling_clock(appeal)
    effects.extended(appeal, ext, ctx.at)
    return Outcome(details={"working_days": ext.working_days, "due_at": appeal.due_at, "long_cycle": ext.long_cycle})


def _apply_reject_extension(ctx: ActionContext, prepared: Prepared) -> Outcome:
    ext = _decide_extension(ctx, False)
    return Outcome(details={"working_days": ext.working_days})


def _pending_extension(ctx: ActionContext) -> dict[str, Any]:
    return {"extension": ctx.appeal.pending_extension}


APPROVE_EXTENSION = Action(Act.APPROVE_EXTENSION, ActionBody, _apply_approve_extension, form_context=_pending_extension)
REJECT_EXTENSION = Action(Act.REJECT_EXTENSION, ActionBody, _apply_reject_extension, form_context=_pending_extension)


# 反馈
class ReplyBody(ActionBody):
    result: str = Field(min_length=1, max_length=4000, description="办理结果")
    resolved: Resolution
    public_reply: str | None = Field(None, max_length=2000, description="答复市民的内容")


def _apply_reply(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, body = ctx.appeal, ctx.body
    appeal.result = body.result
    appeal.reply_resolved = body.resolved
    appeal.public_reply = body.public_reply or body.result
    appeal.replied_at = ctx.at
    close_card(appeal)  # the reply closes an open 督办 card
    # The centre's 审核 is due next (and the dashboard counts it as the centre's).
    appeal.review_due_at = due(policy_for(appeal).review, ctx.at)
    start_desk_clock(appeal, ctx.at, appeal.review_due_at)
    # The reply ends a request for more time still waiting: it can no longer be approved
    # later (after a 重办, say) to move a deadline it was never asked for.
    if (ext := appeal.pending_extension) is not None:
        decide(ext, "withdrawn", ctx, "单位已反馈，延期申请随之结束")
    if (pause := appeal.pending_pause) is not None:
        decide(pause, "withdrawn", ctx, "单位已反馈，挂起申请随之结束")
    # The main unit's reply closes 联办; say whose part was still missing.
    missing = [c.unit.name for c in appeal.co_units if c.reported_at is None]
    return Outcome(details={"co_units_unreported": missing} if missing else None)


# 办理前/办理后: the photos of the site before and after, taken with the reply.
SITE_PHOTOS = ("before", "after")
REPLY = Action(
    Act.REPLY, ReplyBody, _apply_reply, form_context=lambda ctx: {"resolutions": RESOLUTIONS}, photos=SITE_PHOTOS
)


# 联办: a co-unit signs for and reports its part; the appeal's state does not move.
def _apply_co_sign(ctx: ActionContext, prepared: Prepared) -> Outcome:
    own_co_part(ctx).signed_at = ctx.at
    return Outcome()


class CoReportBody(ActionBody):
    result: str = Field(min_length=1, max_length=4000, description="本协办单位的办理情况")


def _apply_co_report(ctx: ActionContext, prepared: Prepared) -> Outcome:
    part = own_co_part(ctx)
    part.reported_at, part.report = ctx.at, ctx.body.result
    return Outcome()


CO_SIGN = Action(Act.CO_SIGN, ActionBody, _apply_co_sign)
CO_REPORT = Action(Act.CO_REPORT, CoReportBody, _apply_co_report, photos=SITE_PHOTOS)
