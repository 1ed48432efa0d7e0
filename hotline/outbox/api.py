"""Administrators' view of the outbox: failed side effects and retrying them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from hotline.core.clock import to_local
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.outbox import operations as outbox
from hotline.outbox.models import OutboxMessage
from hotline.web.api import api


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    done_at: datetime | None

    @classmethod
    def of(cls, m: OutboxMessage) -> JobOut:
        return cls(
            id=m.id,
            kind=m.kind,
            status=m.status,
            attempts=m.attempts,
            last_error=m.last_error,
            next_attempt_at=to_local(m.next_attempt_at),
            created_at=to_local(m.created_at),
            done_at=to_local(m.done_at),
        )


class JobList(Page):
    items: list[JobOut]


class JobQuery(PageQuery):
    status: Literal["pending", "enqueued", "running", "done", "failed"] = "failed"


@api.endpoint(
    "GET", "/jobs", summary="后台任务（默认：失败的）", query=JobQuery, response=JobList, tags=("jobs",), errors=(403,)
)
def list_jobs(user, query: JobQuery):
    jobs, page = paginate(outbox.listing(user, query.status), query)
    return JobList(items=[JobOut.of(m) for m in jobs], **page)


@api.endpoint(
    "POST",
    "/jobs/<int:job_id>/retry",
    summary="重试失败的任务（管理员）",
    response=JobOut,
    tags=("jobs",),
    errors=(403, 404, 409),
)
def retry_job(user, job_id: int):
    return JobOut.of(outbox.retry(job_id, user))
