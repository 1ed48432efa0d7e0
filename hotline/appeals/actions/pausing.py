"""挂起/缓办: the handling unit asks to stop the clock until a date (waiting for the citizen,
a court or another procedure, the season …), the supervisors above it decide; while paused
the appeal's deadline counts as neither on time nor overdue. It resumes by hand (the unit
or its supervisors) or on the date (the `pause-resume` job), with the time that was left."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import Field

from hotline.appeals import effects
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import decide
from hotline.appeals.deadlines import due_after_pause, pause_max_days, start_clock, stop_clock
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal, Pause
from hotline.appeals.states import Act
from hotline.core.clock import local_date, start_of
from hotline.core.errors import BadRequest

PauseKind = Literal["等待市民", "司法程序", "行政程序", "季节天气", "其他"]
PAUSE_KINDS: tuple[PauseKind, ...] = get_args(PauseKind)


class PauseRequestBody(ActionBody):
    kind: PauseKind = Field(title="挂起类型")
    reason: str = Field(min_length=1, max_length=1000, title="挂起理由")
    resume_on: date = Field(title="预计恢复日期", description="到这一天零时自动恢复办理")


def _resume_days(at: datetime) -> tuple[date, date]:
    """The earliest and the latest day a pause asked for at `at` may end."""
    today = local_date(at)
    return today + timedelta(days=1), today + timedelta(days=pause_max_days())


def _prepare_pause(ctx: ActionContext) -> Prepared:
    earliest, latest = _resume_days(ctx.at)
    resume_on = ctx.body.resume_on
    refusal = None
    if resume_on < earliest:
        refusal = "预计恢复日期应晚于今天"
    elif resume_on > latest:
        refusal = f"最长挂起{pause_max_days()}天（至 {latest.isoformat()}）"
    if refusal:
        raise BadRequest(f"请求内容有误：预计恢复日期：{refusal}", fields={"resume_on": refusal})
    return {}


def _apply_request_pause(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, unit = ctx.appeal, ctx.appeal.current_unit
    assert unit is not None, "CURRENT_UNIT guards a request"
    pause = Pause(
        unit_id=unit.id,
        requested_by_id=ctx.user.id,
        requested_at=ctx.at,
        kind=ctx.body.kind,
        reason=ctx.body.reason,
        resume_at=start_of(ctx.body.resume_on),
    )
    appeal.pauses.append(pause)
    effects.pause_requested(appeal, unit, pause, ctx.at)
    return Outcome()


def _pause_form(ctx: ActionContext) -> dict[str, Any]:
    earliest, latest = _resume_days(ctx.at)
    return {"kinds": PAUSE_KINDS, "earliest": earliest, "latest": latest}


REQUEST_PAUSE = Action(Act.REQUEST_PAUSE, PauseRequestBody, _apply_request_pause, _prepare_pause, _pause_form)


def _decide(ctx: ActionContext, approved: bool) -> Pause:
    pause = ctx.appeal.pending_pause
    assert pause is not None, "PENDING_PAUSE guards a decision"
    decide(pause, "active" if approved else "rejected", ctx)
    return pause


def _apply_approve_pause(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal = ctx.appeal
    pause = _decide(ctx, True)
    pause.due_at_paused = appeal.due_at
    stop_clock(appeal)  # neither on time nor overdue while paused
    effects.pause_decided(appeal, pause, approved=True, at=ctx.at)
    return Outcome(details={"kind": pause.kind, "resume_at": pause.resume_at, "due_at_paused": appeal.due_at})


def _apply_reject_pause(ctx: ActionContext, prepared: Prepared) -> Outcome:
    pause = _decide(ctx, False)
    effects.pause_decided(ctx.appeal, pause, approved=False, at=ctx.at)
    return Outcome(details={"kind": pause.kind})


def _pending_pause(ctx: ActionContext) -> dict[str, Any]:
    return {"pause": ctx.appeal.pending_pause}


APPROVE_PAUSE = Action(Act.APPROVE_PAUSE, ActionBody, _apply_approve_pause, form_context=_pending_pause)
REJECT_PAUSE = Action(Act.REJECT_PAUSE, ActionBody, _apply_reject_pause, form_context=_pending_pause)


def end_pause(appeal: Appeal, at: datetime, by_id: int | None) -> dict[str, Any]:
    """The clock runs again with the time that was left (by hand, or by the job on the date)."""
    pause = appeal.running_pause
    assert pause is not None and pause.decided_at is not None and pause.due_at_paused is not None, "paused"
    pause.status, pause.resumed_at, pause.resumed_by_id = "ended", at, by_id
    appeal.due_at = pause.due_at_resumed = due_after_pause(pause.due_at_paused, pause.decided_at, at)
    assert appeal.dispatched_at is not None, "a paused appeal was dispatched"
    # Warned at the same share of its time as before: the interval moves by the pause.
    start_clock(appeal, appeal.dispatched_at + (at - pause.decided_at), appeal.due_at)
    effects.resumed(appeal, at, by_system=by_id is None)
    return {"due_at": appeal.due_at, "paused_days": (at - pause.decided_at).days}


def _apply_resume(ctx: ActionContext, prepared: Prepared) -> Outcome:
    return Outcome(details=end_pause(ctx.appeal, ctx.at, ctx.actor.id if ctx.actor else None))


def _running_pause(ctx: ActionContext) -> dict[str, Any]:
    return {"pause": ctx.appeal.running_pause}


RESUME = Action(Act.RESUME, ActionBody, _apply_resume, form_context=_running_pause)
