from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.clock import to_local
from hotline.notifications import operations
from hotline.notifications.operations import KINDS
from hotline.validation import validate
from hotline.web.api import api
from hotline.workflow.schemas import Body


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


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


class NotificationQuery(Body):
    unread: bool = False


class ReadBody(Body):
    ids: list[int] | None = Field(None, max_length=1000, description="缺省为全部")


class ReadResult(BaseModel):
    marked: int


@api.endpoint("GET", "/notifications", summary="本人通知（最近 50 条）", query=NotificationQuery,
              response=NotificationList, tags=("notifications",))
def list_notifications(user, query: NotificationQuery):
    items = [NotificationOut(id=n.id, kind=n.kind, kind_label=KINDS.get(n.kind, n.kind), title=n.title, body=n.body,
                             link=n.link, appeal_id=n.appeal_id, created_at=to_local(n.created_at), read=read)
             for n, read in operations.recent(user, unread_only=query.unread)]
    return NotificationList(items=items, unread=operations.unread_count(user))


@api.endpoint("POST", "/notifications/read", summary="标为已读", body=ReadBody, response=ReadResult,
              tags=("notifications",))
def mark_read(user, data):
    return ReadResult(marked=operations.mark_read(user, validate(ReadBody, data).ids))
