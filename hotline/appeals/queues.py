"""The desks' work queues: who has each, the list filter it is, and its heading. The
queue's page lists that filter and the dashboard counts the same filter, so the count a
supervisor sees is the length of the list it opens; the header links them in this order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.appeals import permissions
from hotline.appeals.queries import AppealFilter, search_appeals
from hotline.appeals.states import State
from hotline.auth.models import User
from hotline.core.permissions import Permission


@dataclass(frozen=True)
class Queue:
    endpoint: str  # its page
    label: str
    heading: str
    permission: Permission
    filters: dict[str, str]


RETURNS = Queue(
    "appeals.return_reviews",
    "退单审核",
    "退单审核",
    permissions.REVIEW_RETURNS,
    {"state": State.RETURNING, "held": "own"},
)
APPROVALS = Queue(
    "appeals.approvals",
    "待审批",
    "待审批（延期、挂起、申诉）",
    permissions.DECIDE_REQUESTS,
    {"awaiting": "decision", "order": "due"},
)
CHECKS = Queue("appeals.checks", "待核查", "待现场核查", permissions.CHECK_ON_SPOT, {"awaiting": "check"})
VISITS = Queue("appeals.visits", "回访", "回访", permissions.VISIT, {"state": State.REVISITING, "order": "due"})
QUEUES = (RETURNS, VISITS, APPROVALS, CHECKS)


def counts(user: User, at: datetime) -> list[tuple[Queue, int]]:
    """The user's queues with how many appeals wait in each (counted as their lists are)."""
    found = []
    for queue in QUEUES:
        if queue.permission.allows(user):
            _, page = search_appeals(user, AppealFilter(**queue.filters, per_page=1), at)
            found.append((queue, page["total"]))
    return found
