"""The API of the appeals' clocks and oversight: SLA policies, the dashboard, the sweep."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.appeals import sla_policies as policies
from hotline.appeals.dashboard import AreaCounts, dashboard
from hotline.appeals.escalation import sweep_now
from hotline.core.clock import now
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.grid.presenters import UnitRef
from hotline.web.api import api

URGENCY = {"type": "string", "enum": ["一般", "紧急", "特急"]}
TYPE = {"type": "string", "enum": ["咨询", "求助", "投诉", "举报", "建议", "表扬"]}


class PolicyOut(policies.PolicyBody):
    urgency: str
    type: str


class PolicyList(Page):
    items: list[PolicyOut]


class CountsOut(BaseModel):
    unit: UnitRef | None
    open: int
    on_time: int
    warning: int
    overdue: int
    yellow: int
    red: int

    @classmethod
    def of(cls, c: AreaCounts) -> CountsOut:
        return cls(
            unit=UnitRef.of(c.unit),
            open=c.open,
            on_time=c.on_time,
            warning=c.warning,
            overdue=c.overdue,
            yellow=c.yellow,
            red=c.red,
        )


class DashboardOut(BaseModel):
    total: CountsOut
    rows: list[CountsOut]
    counted_at: datetime | None = Field(description="计数时间（每分钟更新）；为空表示刚刚实时计数")


class SweepOut(BaseModel):
    warned: int
    yellow: int
    red: int
    escalated: int
    reported: int = Field(description="派单、审核等中心环节超期、已报督办员的件数")
    skipped: bool


def _policy_out(row) -> PolicyOut:
    return PolicyOut(urgency=row.urgency, type=row.type, **policies.snapshot(row))


@api.endpoint(
    "GET",
    "/sla-policies",
    summary="办理时限（紧急程度 × 诉求类型）",
    query=PageQuery,
    response=PolicyList,
    tags=("sla",),
)
def list_policies(user, query: PageQuery):
    rows, page = paginate(policies.list_policies(), query)
    return PolicyList(items=[_policy_out(r) for r in rows], **page)


@api.endpoint(
    "POST",
    "/sla-policies/reset",
    summary="恢复默认办理时限（管理员）",
    response=PolicyList,
    tags=("sla",),
    errors=(403,),
)
def reset_policies(user):
    policies.reset_defaults(user)
    return list_policies(user, PageQuery())


@api.endpoint(
    "PUT",
    "/sla-policies/<urgency>/<appeal_type>",
    summary="修改办理时限（管理员）",
    body=policies.PolicyBody,
    response=PolicyOut,
    tags=("sla",),
    errors=(403, 404),
    path_params={"urgency": URGENCY, "appeal_type": TYPE},
)
def update_policy(user, urgency: str, appeal_type: str, data):
    return _policy_out(policies.update_policy(urgency, appeal_type, data, user))


@api.endpoint(
    "GET",
    "/dashboard",
    summary="督办看板：在办工单按时限状态与督办牌计数",
    response=DashboardOut,
    tags=("sla",),
    errors=(403,),
)
def get_dashboard(user):
    board = dashboard(user, now())
    return DashboardOut(
        total=CountsOut.of(board.total), rows=[CountsOut.of(r) for r in board.rows], counted_at=board.counted_at
    )


@api.endpoint(
    "POST", "/sweep", summary="立即执行一次预警与督办扫描（管理员）", response=SweepOut, tags=("sla",), errors=(403,)
)
def run_sweep(user):
    r = sweep_now(user)
    return SweepOut(
        warned=r.warned, yellow=r.yellow, red=r.red, escalated=r.escalated, reported=r.reported, skipped=r.skipped
    )
