"""申诉复核: the unit that handled an appeal contests a 差评, or says the demand was a 不合理诉求
or has had its 最终答复, with the basis; the centre's supervisors decide. Upheld, the appeal no
longer counts in the unit's assessment; either way the contest and its decision stay on
record (the appeal's facts and timeline)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hotline.appeals import effects
from hotline.appeals.actions.base import Action, ActionBody, Outcome, Prepared
from hotline.appeals.actions.steps import decide
from hotline.appeals.deadlines import contest_due_at
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Contest
from hotline.appeals.states import Act
from hotline.core.errors import BadRequest
from hotline.core.vocabulary import CONTEST_KINDS, POOR_RATINGS, UNRATED, ContestKind

ONLY_POOR = "只有差评（不满意、非常不满意）可以申诉"


class ContestBody(ActionBody):
    kind: ContestKind = Field(title="申诉类型", description="评价申诉、不合理诉求或最终答复")
    basis: str = Field(min_length=1, max_length=2000, title="申诉理由及依据")


def _prepare_contest(ctx: ActionContext) -> Prepared:
    if ctx.body.kind == "评价申诉" and ctx.appeal.satisfaction not in POOR_RATINGS:
        raise BadRequest(f"请求内容有误：申诉类型：{ONLY_POOR}", fields={"kind": ONLY_POOR})
    return {}


def _apply_contest(ctx: ActionContext, prepared: Prepared) -> Outcome:
    appeal, unit = ctx.appeal, ctx.appeal.main_unit
    assert unit is not None, "MAIN_UNIT_HANDLER guards a contest"
    contest = Contest(
        unit=unit,
        kind=ctx.body.kind,
        basis=ctx.body.basis,
        satisfaction=appeal.satisfaction if appeal.satisfaction != UNRATED else None,
        requested_by_id=ctx.user.id,
        requested_at=ctx.at,
    )
    appeal.contests.append(contest)
    effects.contest_requested(appeal, contest, ctx.at)
    return Outcome(details={"rating": contest.satisfaction} if contest.satisfaction else None)


def _contest_form(ctx: ActionContext) -> dict[str, Any]:
    appeal = ctx.appeal
    return {"kinds": CONTEST_KINDS, "until": contest_due_at(appeal), "poor": appeal.satisfaction in POOR_RATINGS}


CONTEST = Action(Act.CONTEST, ContestBody, _apply_contest, _prepare_contest, _contest_form, note_field=False)


class ContestDecisionBody(ActionBody):
    note: str = Field(min_length=1, max_length=1000, title="复核意见")


def _decided(ctx: ActionContext, status: str) -> Outcome:
    contest = ctx.appeal.pending_contest
    assert contest is not None, "PENDING_CONTEST guards a decision"
    decide(contest, status, ctx)
    if status == "upheld":
        ctx.appeal.assessment_excluded = True
    effects.contest_decided(ctx.appeal, contest, ctx.at)
    return Outcome(details={"kind": contest.kind, "unit_id": contest.unit_id})


def _apply_uphold(ctx: ActionContext, prepared: Prepared) -> Outcome:
    return _decided(ctx, "upheld")


def _apply_dismiss(ctx: ActionContext, prepared: Prepared) -> Outcome:
    return _decided(ctx, "dismissed")


def _pending_contest(ctx: ActionContext) -> dict[str, Any]:
    return {"contest": ctx.appeal.pending_contest}


UPHOLD_CONTEST = Action(
    Act.UPHOLD_CONTEST, ContestDecisionBody, _apply_uphold, form_context=_pending_contest, note_field=False
)
DISMISS_CONTEST = Action(
    Act.DISMISS_CONTEST, ContestDecisionBody, _apply_dismiss, form_context=_pending_contest, note_field=False
)
