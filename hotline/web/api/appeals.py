"""Appeals: create, read, list, and one endpoint per action of the state machine."""
from __future__ import annotations

from flask import jsonify, url_for

from hotline import idempotency
from hotline.clock import now
from hotline.web.api import api
from hotline.web.api.schemas import AppealDetail, AppealPage, AppealSummary
from hotline.workflow import machine, operations
from hotline.workflow.machine import ACTIONS, ActionContext
from hotline.workflow.queries import AppealFilter, search_appeals
from hotline.workflow.schemas import AppealCreate

REF = {"type": "string", "pattern": "^[0-9]+$", "description": "工单ID或16位工单编号"}


def detail(appeal, user) -> AppealDetail:
    at = now()
    allowed = machine.available_actions(ActionContext(appeal, user, at))
    return AppealDetail.of(appeal, user, at, allowed)


@api.endpoint("POST", "/appeals", summary="登记诉求（受理）", body=AppealCreate, response=AppealDetail,
              status=201, tags=("appeals",), errors=(403,), idempotent=True)
def create_appeal(user, data):
    appeal = operations.create_appeal(data, user, once=idempotency.from_request(f"user:{user.id}", data))
    response = jsonify(detail(appeal, user).model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_appeal", ref=appeal.id)
    return response


@api.endpoint("GET", "/appeals/<ref>", summary="诉求详情（含时间线）", response=AppealDetail,
              tags=("appeals",), errors=(404,), path_params={"ref": REF})
def get_appeal(user, ref):
    return detail(operations.find_appeal(ref, user), user)


@api.endpoint("GET", "/appeals", summary="诉求列表（当前用户可见的）", query=AppealFilter,
              response=AppealPage, tags=("appeals",))
def list_appeals(user, query: AppealFilter):
    at = now()
    items, page = search_appeals(user, query, at)
    return AppealPage(items=[AppealSummary.of(a, at) for a in items], **page)


def _register_action(action: str) -> None:
    spec = operations.SPECS[action]

    def take_action(user, ref, data):
        return detail(operations.perform(ref, action, data, user), user)

    api.endpoint("POST", f"/appeals/<ref>/actions/{action}", name=f"action_{action}",
                 summary=f"{ACTIONS[action]}（{action}）", body=spec.body, response=AppealDetail,
                 tags=("actions",), errors=(403, 404, 409), path_params={"ref": REF},
                 description="409：当前状态不允许（返回 state 与 allowed_actions）或已被他人更新；"
                             "403：当前用户无权执行。")(take_action)


for _action in ACTIONS:
    _register_action(_action)
