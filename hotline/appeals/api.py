"""Appeals in the API: create, read, list, one endpoint per action of the state machine,
and the 确责清单's suggestions for an appeal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, url_for
from pydantic import BaseModel, Field

from hotline.appeals import assist, engine, intake, machine, police, similar
from hotline.appeals.actions import ACTIONS, Action
from hotline.appeals.guards import ActionContext
from hotline.appeals.models import Appeal
from hotline.appeals.presenters import AppealDetail, AppealPage, AppealSummary, HandoverOut
from hotline.appeals.queries import AppealFilter, search_appeals
from hotline.appeals.schemas import REF, AppealCreate
from hotline.appeals.similar import Candidate, Draft
from hotline.appeals.visibility import citizen_identity, find_appeal
from hotline.auth.models import User
from hotline.core import idempotency
from hotline.core.clock import now, to_local
from hotline.core.validation import validate
from hotline.grid.geo import Placement
from hotline.grid.presenters import PlacementOut, RoutingOut, RuleOut, SuggestionOut, UnitOut
from hotline.grid.responsibility import department_duty, suggest
from hotline.knowledge import operations as knowledge
from hotline.knowledge.api import ProposalOut
from hotline.web.api import api
from hotline.web.api.spec import json_response


def detail(appeal: Appeal, user: User) -> AppealDetail:
    at = now()
    allowed = machine.available_actions(ActionContext(appeal, user, at))
    return AppealDetail.of_viewer(appeal, user, at, [str(a) for a in allowed])


@api.endpoint(
    "POST",
    "/appeals",
    summary="登记诉求（受理）",
    body=AppealCreate,
    response=AppealDetail,
    status=201,
    tags=("appeals",),
    errors=(403,),
    idempotent=True,
)
def create_appeal(user: User, data: dict[str, Any]) -> Response:
    appeal = intake.create_appeal(data, user, once=idempotency.from_request(f"user:{user.id}", data))
    response = json_response(detail(appeal, user), 201)
    response.headers["Location"] = url_for("api.get_appeal", ref=appeal.id)
    return response


@api.endpoint(
    "GET",
    "/appeals/<ref>",
    summary="诉求详情（含时间线）",
    response=AppealDetail,
    tags=("appeals",),
    errors=(404,),
    path_params={"ref": REF},
)
def get_appeal(user: User, ref: str) -> AppealDetail:
    return detail(find_appeal(ref, user, whole=True), user)


@api.endpoint(
    "GET",
    "/appeals",
    summary="诉求列表（当前用户可见的）；按 phone 查来电历史",
    query=AppealFilter,
    response=AppealPage,
    tags=("appeals",),
    errors=(403,),
)
def list_appeals(user: User, query: AppealFilter) -> AppealPage:
    at = now()
    items, page = search_appeals(user, query, at)
    return AppealPage(items=[AppealSummary.of(a, at) for a in items], **page)


def _register_action(record: Action) -> None:
    name = str(record.name)

    def take_action(user: User, ref: str, data: dict[str, Any]) -> AppealDetail:
        return detail(engine.perform(ref, name, data, user), user)

    api.endpoint(
        "POST",
        f"/appeals/<ref>/actions/{name}",
        name=f"action_{name}",
        summary=f"{record.label}（{name}）",
        body=record.body,
        response=AppealDetail,
        tags=("actions",),
        errors=(403, 404, 409),
        path_params={"ref": REF},
        description="409：当前状态不允许（返回 state 与 allowed_actions）或已被他人更新；403：当前用户无权执行。",
    )(take_action)


for _record in ACTIONS.values():
    _register_action(_record)


@api.endpoint(
    "GET",
    "/appeals/<ref>/routing",
    summary="派单建议（确责清单）",
    response=RoutingOut,
    tags=("routing",),
    errors=(404,),
    path_params={"ref": REF},
)
def appeal_routing(user: User, ref: str) -> RoutingOut:
    appeal = find_appeal(ref, user)
    suggestions, notes = suggest(appeal.category, appeal.place_unit)
    duty = department_duty(appeal.category, appeal.place_unit_id)
    place = Placement(appeal.grid_id, appeal.place_unit_id, appeal.place_note)
    return RoutingOut(
        place=PlacementOut.of(place),
        suggestions=[
            SuggestionOut(rank=s.rank, unit=UnitOut.of_unit(s.unit), rule=RuleOut.of(s.rule)) for s in suggestions
        ],
        notes=notes,
        department_duty=RuleOut.of(duty) if duty else None,
    )


class CallerOut(BaseModel):
    name: str | None
    phone: str | None
    masked: bool


class SimilarOut(BaseModel):
    appeal: AppealSummary
    score: float = Field(description="相似程度（0–1）")
    reasons: list[str] = Field(description="相似之处，如「同一来电号码」「相距约40米」「同一分类」「内容相似80%」")
    open: bool = Field(description="未办结")
    mergeable: bool = Field(description="可并单：尚未反馈（受理、派单、办理、督办中）")
    repeatable: bool = Field(description="可关联为重复诉求：已反馈或已办结")
    caller: CallerOut


class SimilarList(BaseModel):
    items: list[SimilarOut]


def _similar_out(found: list[Candidate], user: User) -> SimilarList:
    at = now()
    return SimilarList(
        items=[
            SimilarOut(
                appeal=AppealSummary.of(c.appeal, at),
                score=c.score,
                reasons=c.reasons,
                open=c.open,
                mergeable=c.mergeable,
                repeatable=c.repeatable,
                caller=CallerOut(**{k: v for k, v in citizen_identity(user, c.appeal).items() if k != "address"}),
            )
            for c in found
        ]
    )


SIMILAR_HELP = (
    "近期（HOTLINE_SIMILAR_DAYS，默认30天）可能反映同一问题的诉求：同一来电号码、同一网格或相距百米内、同一分类、"
    "内容相似，逐条给出相似程度与理由；未办结的在前。"
)


@api.endpoint(
    "POST",
    "/appeals/similar",
    summary="查找相似诉求（登记中的草稿）",
    body=Draft,
    response=SimilarList,
    tags=("appeals",),
    errors=(403,),
    description=SIMILAR_HELP,
)
def similar_to_draft(user: User, data: dict[str, Any]) -> SimilarList:
    draft = validate(Draft, data)
    return _similar_out(similar.similar_to_draft(draft, user, now()), user)


@api.endpoint(
    "GET",
    "/appeals/similar",
    summary="查找相似诉求（草稿以查询参数给出，供登记页面边输入边查）",
    query=Draft,
    response=SimilarList,
    tags=("appeals",),
    errors=(403,),
    name="similar_to_draft_by_query",
    description=SIMILAR_HELP,
)
def similar_to_draft_by_query(user: User, query: Draft) -> SimilarList:
    return _similar_out(similar.similar_to_draft(query, user, now()), user)


@api.endpoint(
    "GET",
    "/appeals/<ref>/similar",
    summary="查找与该诉求相似的诉求",
    response=SimilarList,
    tags=("appeals",),
    errors=(403, 404),
    path_params={"ref": REF},
    description=SIMILAR_HELP,
)
def similar_to_appeal(user: User, ref: str) -> SimilarList:
    return _similar_out(similar.similar_to_appeal(find_appeal(ref, user), user, now()), user)


class CategoryGuess(BaseModel):
    code: str
    name: str
    full_name: str
    confidence: float = Field(description="0–1")


class UnitGuess(BaseModel):
    id: int
    name: str
    confidence: float = Field(description="0–1")


class AssistOut(BaseModel):
    ready: bool = Field(description="false：尚未训练或历史数据不足（reason 说明），不给建议")
    reason: str
    samples: int = Field(description="模型学习过的已答复诉求件数")
    trained_at: datetime | None
    categories: list[CategoryGuess]
    units: list[UnitGuess] = Field(description="以往办理同类诉求的单位（结合问题地点所在区）")


def _assist_out(found: assist.Suggestion) -> AssistOut:
    return AssistOut(
        ready=found.ready,
        reason=found.reason,
        samples=found.samples,
        trained_at=to_local(found.trained_at),
        categories=[
            CategoryGuess(code=c.code, name=c.name, full_name=c.full_name, confidence=round(p, 3))
            for c, p in found.categories
        ],
        units=[UnitGuess(id=u.id, name=u.name, confidence=round(p, 3)) for u, p in found.units],
    )


ASSIST_HELP = (
    "根据标题、内容（及问题地点所在区）建议分类与承办单位，模型每晚用近一年已答复的诉求训练；"
    "仅供话务员参考，不会自动采用。已答复诉求不足 HOTLINE_ASSIST_MIN_SAMPLES 件时不给建议。"
)


@api.endpoint(
    "POST",
    "/appeals/assist",
    summary="受理辅助：建议分类与承办单位",
    body=assist.AssistQuery,
    response=AssistOut,
    tags=("appeals",),
    errors=(403,),
    description=ASSIST_HELP,
)
def assist_intake(user: User, data: dict[str, Any]) -> AssistOut:
    return _assist_out(assist.suggest(validate(assist.AssistQuery, data), user))


@api.endpoint(
    "GET",
    "/appeals/assist",
    summary="受理辅助（以查询参数给出，供登记页面边输入边查）",
    query=assist.AssistQuery,
    response=AssistOut,
    tags=("appeals",),
    errors=(403,),
    name="assist_intake_by_query",
    description=ASSIST_HELP,
)
def assist_intake_by_query(user: User, query: assist.AssistQuery) -> AssistOut:
    return _assist_out(assist.suggest(query, user))


@api.endpoint(
    "POST",
    "/appeals/<ref>/knowledge-proposals",
    summary="由该诉求提出知识库建议（如答复后的咨询）",
    body=knowledge.ProposalBody,
    response=ProposalOut,
    status=201,
    tags=("appeals", "knowledge"),
    errors=(404,),
    path_params={"ref": REF},
)
def propose_knowledge(user: User, ref: str, data: dict[str, Any]) -> ProposalOut:
    appeal = find_appeal(ref, user)
    return ProposalOut.of(knowledge.propose(data, user, appeal_id=appeal.id))


@api.endpoint(
    "POST",
    "/appeals/<ref>/police-feedback",
    summary="登记110对转110诉求的处置反馈（热线中心）",
    body=police.PoliceFeedbackBody,
    response=HandoverOut,
    tags=("appeals",),
    errors=(403, 404, 409),
    path_params={"ref": REF},
)
def record_police_feedback(user: User, ref: str, data: dict[str, Any]) -> HandoverOut:
    return HandoverOut.of(police.record_feedback(ref, data, user))
