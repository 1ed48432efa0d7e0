"""The centre's oversight of the loop: 督办 cards, the review of a unit's reply (审核), the
return visit (回访) or the citizen's own rating (市民评价, 好差评); what follows the rating
(监督, 核查) is in `auditing`."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from hotline.appeals import effects
from hotline.appeals.actions.auditing import to_audit
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import handling_clock, reopen, start_visit_clock
from hotline.appeals.deadlines import issue_card, visit_attempts_after, visit_attempts_limit
from hotline.appeals.guards import ActionContext
from hotline.appeals.states import Act, State
from hotline.core.validation import FieldErrors, invalid
from hotline.core.vocabulary import (
    CALL_RESULTS,
    CARD_LEVELS,
    POOR_RATINGS,
    RESOLUTIONS,
    SATISFACTIONS,
    UNRATED,
    CallResult,
    Resolution,
    Satisfaction,
)


# 督办
class SuperviseBody(ActionBody):
    level: Literal["yellow", "red"]
    note: str = Field(min_length=1, max_length=1000, description="督办意见")


def _prepare_supervise(ctx: ActionContext) -> Prepared:
    if ctx.appeal.supervision_level == "yellow" and ctx.body.level == "yellow":
        raise invalid("level", "已有黄牌督办，只能升级为红牌")
    return {}


def _apply_supervise(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    issue_card(appeal, ctx.body.level, ctx.at)
    effects.card(appeal, ctx.body.level, ctx.at, by=ctx.user.display_name)
    return Outcome(details={"unit_id": appeal.current_unit_id})


def _card_levels(ctx: ActionContext) -> dict[str, Any]:
    """Only a red card can follow a yellow one."""
    levels = ["red"] if ctx.appeal.supervision_level == "yellow" else ["yellow", "red"]
    return {"levels": [(level, CARD_LEVELS[level]) for level in levels]}


SUPERVISE = Action(Act.SUPERVISE, SuperviseBody, _apply_supervise, _prepare_supervise, _card_levels, note_field=False)


# 审核: the centre reviews a unit's reply before the citizen is told
class RejectReplyBody(ActionBody):
    note: str = Field(min_length=1, max_length=1000, description="退回理由")


def _apply_reject_reply(ctx: ActionContext, prepared: Prepared) -> Outcome:
    handling_clock(ctx.appeal)
    return Outcome()


REJECT_REPLY = Action(Act.REJECT_REPLY, RejectReplyBody, _apply_reject_reply, note_field=False)


class ApproveReplyBody(ActionBody):
    public_reply: str | None = Field(None, max_length=2000, description="修订后的答复内容")


def _apply_approve_reply(ctx: ActionContext, prepared: Prepared) -> Outcome:
    if ctx.body.public_reply:
        ctx.appeal.public_reply = ctx.body.public_reply
    effects.text_citizen(ctx.appeal, "sms.replied")
    return Outcome(details=start_visit_clock(ctx.appeal, ctx.at))


APPROVE_REPLY = Action(Act.APPROVE_REPLY, ApproveReplyBody, _apply_approve_reply)


# 回访 and 市民评价 (好差评)
def _answers_given(body: VisitBody | RatingBody) -> dict[str, str]:
    """What a rating that reached the citizen lacks: every answer, and why a 差评 is one."""
    missing = {
        name: "联系上诉求人时必填" for name in ("resolved", "satisfaction", "contacted") if getattr(body, name) is None
    }
    if body.satisfaction in POOR_RATINGS and not (body.note or "").strip():
        missing["note"] = "不满意时请说明原因"
    return missing


class VisitBody(ActionBody):
    reached: bool = Field(title="是否联系上诉求人")
    call_result: CallResult = Field("未接通", title="未联系上的情况", description="未联系上时：未接通、拒接或空号")
    resolved: Resolution | None = Field(None, title="解决情况")
    satisfaction: Satisfaction | None = Field(None, title="满意度")
    contacted: bool | None = Field(
        None, title="承办单位是否联系过您", description="市民确认承办单位是否联系过本人（响应率）"
    )

    @model_validator(mode="after")
    def _answers_when_reached(self) -> Self:
        if self.reached:
            if missing := _answers_given(self):
                raise FieldErrors(missing)
        elif self.resolved or self.satisfaction or self.contacted is not None:
            raise FieldErrors({"satisfaction": "未联系上诉求人时不能填写评价"})
        return self


class RatingBody(ActionBody):
    """The citizen's own rating (tracking page, SMS link); a 差评 says why in `note`."""

    satisfaction: Satisfaction = Field(title="满意度")
    resolved: Resolution = Field(title="问题是否解决")
    contacted: bool = Field(title="承办单位是否联系过您")
    note: str | None = Field(None, max_length=1000, title="意见", description="不满意时请说明原因")

    @model_validator(mode="after")
    def _reason_when_poor(self) -> Self:
        if missing := _answers_given(self):
            raise FieldErrors(missing)
        return self


def _rated(ctx: ActionContext, via: str) -> Outcome:
    """The rating of this round is in (a call that reached the citizen, or their own): 差评
    with rounds left goes back to 整改; otherwise 监督, and a 差评 after the last round
    brings a 督办 with it."""
    appeal, body = ctx.appeal, ctx.body
    appeal.satisfaction, appeal.resolved, appeal.citizen_contacted = body.satisfaction, body.resolved, body.contacted
    appeal.rated_via, appeal.rated_at, appeal.visited_at = via, ctx.at, ctx.at  # the first rating is the visit
    if appeal.state != State.AUDITING:
        return Outcome(appeal.main_unit, reopen(appeal, ctx.at))
    if body.satisfaction in POOR_RATINGS:
        effects.rework_exhausted(appeal, ctx.at)
        return to_audit(ctx, {"supervised": True, "rounds": appeal.reopen_count})
    return to_audit(ctx, {})


def _apply_visit(ctx: ActionContext, prepared: Prepared) -> Outcome:
    """A call: reached, it records the answers; not reached, it counts as a try if on a new
    half-day, and only the last try (or a 空号) ends the visit as 未联系上: an SMS with the
    tracking link (where the citizen may still rate), then 监督 as 未评价."""
    appeal, body = ctx.appeal, ctx.body
    if body.reached:
        return _rated(ctx, "visit")
    attempts, counted = visit_attempts_after(appeal, ctx.at)
    if counted:
        appeal.visit_attempts, appeal.last_visit_attempt_at = attempts, ctx.at
    details = {"call_result": body.call_result, "attempts": attempts, "counted": counted}
    if appeal.state == State.REVISITING:  # VISIT_AGAIN: another call, another half-day
        return Outcome(details=details)
    effects.text_citizen(appeal, "sms.visit_missed")
    appeal.visited_at = ctx.at
    appeal.satisfaction, appeal.resolved, appeal.citizen_contacted = UNRATED, None, None
    appeal.rated_via = appeal.rated_at = None
    return to_audit(ctx, details)


def _visit_form(ctx: ActionContext) -> dict[str, Any]:
    return {
        "resolutions": RESOLUTIONS,
        "satisfactions": SATISFACTIONS,
        "call_results": CALL_RESULTS,
        "attempts": ctx.appeal.visit_attempts,
        "attempts_limit": visit_attempts_limit(),
        "rework": ctx.appeal.reopen_count > 0,  # 整改回访: the visit after a reopen
    }


VISIT = Action(Act.VISIT, VisitBody, _apply_visit, form_context=_visit_form)


def _apply_rate(ctx: ActionContext, prepared: Prepared) -> Outcome:
    return _rated(ctx, "citizen")


RATE = Action(Act.RATE, RatingBody, _apply_rate, note_field=False)
