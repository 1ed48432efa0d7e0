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


@dataclass(frozen=True)
class Tab:
    """One tab of a unit's inbox (本单位待办): the list filter it is."""

    key: str
    label: str
    filters: dict[str, str]
    scoped: bool = True  # split into the unit's own work and its subordinate units'


IN_HAND = ",".join((State.DISPATCHED, State.RETURNING, State.HANDLING, State.SUPERVISED, State.PAUSED))
INBOX_TABS = (
    Tab("sign", "待签收", {"state": State.DISPATCHED, "order": "due"}),
    Tab("handling", "办理中", {"state": f"{State.HANDLING},{State.SUPERVISED},{State.PAUSED}", "order": "due"}),
    Tab("warning", "即将超期", {"state": IN_HAND, "sla": "warning", "order": "due"}),
    Tab("overdue", "已超期", {"state": IN_HAND, "sla": "overdue", "order": "due"}),
    Tab("request", "待审批", {"awaiting": "request"}, scoped=False),
    # Answered, and now with the centre (审核, 回访, 监督): what the unit waits to hear about.
    Tab("replied", "已反馈", {"state": f"{State.REPLIED},{State.REVISITING},{State.AUDITING}"}, scoped=False),
)
INBOX_SCOPES = {"own": "本单位", "below": "下级单位"}


def inbox_filters(user: User, tab: Tab, scope: str) -> dict[str, str]:
    """The list filter of a tab of the user's inbox: the unit's subtree, and its own desk
    or the units below it."""
    filters = {"unit": str(user.unit_id), **tab.filters}
    if tab.scoped:
        filters["held"] = scope
    return filters


def tab_counts(user: User, scope: str, at: datetime) -> dict[str, int]:
    """How many appeals each tab of the inbox lists."""
    found = {}
    for tab in INBOX_TABS:
        _, page = search_appeals(user, AppealFilter(**inbox_filters(user, tab, scope), per_page=1), at)
        found[tab.key] = page["total"]
    return found


def counts(user: User, at: datetime) -> list[tuple[Queue, int]]:
    """The user's queues with how many appeals wait in each (counted as their lists are)."""
    found = []
    for queue in QUEUES:
        if queue.permission.allows(user):
            _, page = search_appeals(user, AppealFilter(**queue.filters, per_page=1), at)
            found.append((queue, page["total"]))
    return found
