"""The API of the appeals' clocks and oversight: SLA policies, the dashboard, the sweep."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.appeals import sampling
from hotline.appeals import sla_policies as policies
from hotline.appeals.dashboard import AreaCounts, dashboard
from hotline.appeals.deadlines import expected
from hotline.appeals.escalation import sweep_now
from hotline.categories.presenters import CategoryRef
from hotline.core.clock import now, to_local
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.core.validation import Body
from hotline.core.vocabulary import AppealType, Urgency
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


class ExpectedQuery(Body):
    urgency: Urgency = Field(description="紧急程度")
    type: AppealType = Field(description="诉求类型")
    category: str | None = Field(None, max_length=16, description="诉求分类编码")


class ExpectedOut(BaseModel):
    policy: str = Field(description="适用的时限档（特急、紧急或诉求类型）")
    sign: str = Field(description="签收时限")
    handle: str = Field(description="办结时限（分类另有上限时一并说明）")
    sign_due_at: datetime
    handle_due_at: datetime


@api.endpoint(
    "GET",
    "/sla-policies/expected",
    summary="若现在派单：应签收、应办结的时间（受理时告知来电人）",
    query=ExpectedQuery,
    response=ExpectedOut,
    tags=("sla",),
    errors=(404,),
)
def expected_deadlines(user, query: ExpectedQuery):
    category_id = policies.category_by_code(query.category).id if query.category else None
    found = expected(query.urgency, query.type, category_id, now())
    return ExpectedOut(
        policy=found.policy.name,
        sign=str(found.policy.sign),
        handle=str(found.policy.handle),
        sign_due_at=to_local(found.sign_due_at),
        handle_due_at=to_local(found.handle_due_at),
    )


class CategoryLimitOut(BaseModel):
    category: CategoryRef
    sign: str | None
    handle: str | None


class CategoryLimitList(Page):
    items: list[CategoryLimitOut]


def _category_limit_out(row) -> CategoryLimitOut:
    return CategoryLimitOut(category=CategoryRef.of(row.category), sign=row.sign, handle=row.handle)


@api.endpoint(
    "GET",
    "/sla-category-limits",
    summary="分类时限上限（如供水、供电、燃气、供暖 24 小时办结）",
    query=PageQuery,
    response=CategoryLimitList,
    tags=("sla",),
)
def list_category_limits(user, query: PageQuery):
    rows, page = paginate(policies.category_limits(), query)
    return CategoryLimitList(items=[_category_limit_out(r) for r in rows], **page)


@api.endpoint(
    "PUT",
    "/sla-category-limits/<code>",
    summary="设置某分类（及其下级分类）的签收、办结时限上限；两项都为空即取消（管理员）",
    body=policies.CategoryLimitBody,
    response=CategoryLimitOut,
    tags=("sla",),
    errors=(403, 404),
    path_params={"code": {"type": "string", "description": "诉求分类编码"}},
)
def set_category_limit(user, code: str, data):
    row = policies.set_category_limit(code, data, user)
    if row is None:
        return CategoryLimitOut(category=CategoryRef.of(policies.category_by_code(code)), sign=None, handle=None)
    return _category_limit_out(row)


class AuditShareOut(BaseModel):
    unit: UnitRef
    percent: int = Field(description="该单位及其下级单位已评价诉求的监督抽查比例（%）")
    own: bool = Field(description="该单位自己设置的（否则沿用上级单位或默认比例）")


class AuditShareList(BaseModel):
    default_percent: int = Field(description="未单独设置的单位的抽查比例（%）")
    items: list[AuditShareOut]


def _share_out(row) -> AuditShareOut:
    return AuditShareOut(unit=UnitRef.of(row.unit), percent=round(row.share * 100), own=True)


@api.endpoint(
    "GET",
    "/audit-shares",
    summary="监督抽查比例：按单位（下级沿用最近的上级设置）",
    response=AuditShareList,
    tags=("sla",),
)
def list_audit_shares(user):
    return AuditShareList(
        default_percent=sampling.default_percent(), items=[_share_out(r) for r in sampling.audit_shares()]
    )


@api.endpoint(
    "PUT",
    "/audit-shares/<code>",
    summary="设置某单位（及其下级单位）的监督抽查比例；为空即取消（管理员）",
    body=sampling.AuditShareBody,
    response=AuditShareOut,
    tags=("sla",),
    errors=(403, 404),
    path_params={"code": {"type": "string", "description": "单位编码"}},
)
def set_audit_share(user, code: str, data):
    unit, row = sampling.set_audit_share(code, data, user)
    if row is not None:
        return _share_out(row)
    return AuditShareOut(unit=UnitRef.of(unit), percent=round(sampling.share_for(unit) * 100), own=False)


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
