from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.core.clock import to_local
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.core.validation import Body, Id, mask_phone, validate
from hotline.notifications import operations, sms
from hotline.notifications.operations import KINDS
from hotline.notifications.sms_defaults import SAMPLE_CONTEXT
from hotline.web.api import api


class NotificationOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str | None
    link: str | None
    appeal_id: int | None
    created_at: datetime
    read: bool


class NotificationList(Page):
    items: list[NotificationOut]
    unread: int


class NotificationQuery(PageQuery):
    unread: bool = False


class ReadBody(Body):
    ids: list[Id] | None = Field(None, max_length=1000, description="缺省为全部")


class ReadResult(BaseModel):
    marked: int


@api.endpoint(
    "GET",
    "/notifications",
    summary="本人通知（新的在前）",
    query=NotificationQuery,
    response=NotificationList,
    tags=("notifications",),
)
def list_notifications(user, query: NotificationQuery):
    rows, page = paginate(operations.listing(user, unread_only=query.unread), query)
    items = [
        NotificationOut(
            id=n.id,
            kind=n.kind,
            kind_label=KINDS.get(n.kind, n.kind),
            title=n.title,
            body=n.body,
            link=n.link,
            appeal_id=n.appeal_id,
            created_at=to_local(n.created_at),
            read=read,
        )
        for n, read in rows
    ]
    return NotificationList(items=items, unread=operations.unread_count(user), **page)


@api.endpoint(
    "POST", "/notifications/read", summary="标为已读", body=ReadBody, response=ReadResult, tags=("notifications",)
)
def mark_read(user, data):
    return ReadResult(marked=operations.mark_read(user, validate(ReadBody, data).ids))


# ------------------------------------------------------------------ administration (admins only)


class TemplateOut(BaseModel):
    key: str
    name: str
    body: str
    preview: str = Field(description="用示例数据填充后的短信")

    @classmethod
    def of(cls, t) -> TemplateOut:
        return cls(key=t.key, name=t.name, body=t.body, preview=sms.preview(t))


class TemplateList(BaseModel):
    items: list[TemplateOut]
    variables: dict[str, str] = Field(description="模板可用的变量及示例值")


class TemplateBody(Body):
    body: str = Field(min_length=1, max_length=1000, description="Jinja2 模板，如 工单编号{{ number }}")


class SmsOut(BaseModel):
    id: int
    appeal_id: int | None
    template: str
    phone: str = Field(description="已脱敏")
    text: str
    provider: str
    sent_at: datetime


class SmsList(Page):
    items: list[SmsOut]


def _templates(user) -> TemplateList:
    return TemplateList(
        items=[TemplateOut.of(t) for t in sms.list_templates(user)],
        variables={k: str(v) for k, v in SAMPLE_CONTEXT.items()},
    )


@api.endpoint(
    "GET",
    "/message-templates",
    summary="短信模板（管理员）",
    response=TemplateList,
    tags=("notifications",),
    errors=(403,),
)
def list_templates(user):
    return _templates(user)


@api.endpoint(
    "PUT",
    "/message-templates/<key>",
    summary="修改短信模板（管理员）",
    body=TemplateBody,
    response=TemplateOut,
    tags=("notifications",),
    errors=(403, 404),
    path_params={"key": {"type": "string", "pattern": "^[a-z_.]{1,40}$"}},
)
def update_template(user, key: str, data):
    return TemplateOut.of(sms.update_template(key, validate(TemplateBody, data).body, user))


@api.endpoint(
    "POST",
    "/message-templates/reset",
    summary="恢复默认短信模板（管理员）",
    response=TemplateList,
    tags=("notifications",),
    errors=(403,),
)
def reset_templates(user):
    sms.reset_templates(user)
    return _templates(user)


@api.endpoint(
    "GET",
    "/sms",
    summary="短信发送记录（管理员，新的在前）",
    query=PageQuery,
    response=SmsList,
    tags=("notifications",),
    errors=(403,),
)
def sms_log(user, query: PageQuery):
    rows, page = paginate(sms.sms_log(user), query)
    return SmsList(
        items=[
            SmsOut(
                id=m.id,
                appeal_id=m.appeal_id,
                template=m.template,
                phone=mask_phone(m.phone),
                text=m.text,
                provider=m.provider,
                sent_at=to_local(m.sent_at),
            )
            for m in rows
        ],
        **page,
    )
