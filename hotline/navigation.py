"""The header's links: one list of (page, label, permission), in the order shown. Each page
requires the same permission object, so a link is offered exactly to those it opens for
(tests/test_navigation.py checks every entry for every demo account)."""

from __future__ import annotations

from flask import Flask

from hotline.appeals import permissions as appeals
from hotline.appeals.queues import QUEUES
from hotline.auth.permissions import MANAGE_ACCOUNTS
from hotline.calendar.service import VIEW_CALENDAR
from hotline.core.permissions import SIGNED_IN
from hotline.grid.rules import VIEW_RULES
from hotline.knowledge.operations import SEARCH_KNOWLEDGE
from hotline.ledger.operations import VIEW_LEDGERS
from hotline.metrics.operations import VIEW_METRICS
from hotline.notifications.sms import MANAGE_SMS
from hotline.outbox.operations import MANAGE_JOBS
from hotline.web import navigation
from hotline.web.navigation import NavEntry

NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("appeals.appeal_list", "诉求列表", SIGNED_IN),
    NavEntry("appeals.inbox", "本单位待办", appeals.UNIT_INBOX),
    NavEntry("appeals.appeal_new", "登记诉求", appeals.REGISTER),
    *(NavEntry(queue.endpoint, queue.label, queue.permission) for queue in QUEUES),
    NavEntry("knowledge.search", "知识库", SEARCH_KNOWLEDGE),
    NavEntry("sla.dashboard", "督办看板", appeals.DASHBOARD),
    NavEntry("hotspots.hot_spots", "未诉先办", appeals.DASHBOARD),
    NavEntry("ledger.campaigns", "专项台账", VIEW_LEDGERS),
    NavEntry("metrics.assessment", "考核指标", VIEW_METRICS),
    NavEntry("grid.rules", "确责清单", VIEW_RULES),
    NavEntry("calendar.admin", "工作日历", VIEW_CALENDAR),
    NavEntry("sla.policies", "办理时限", appeals.EDIT_SLA),
    NavEntry("notifications.templates", "短信模板", MANAGE_SMS),
    NavEntry("notifications.sms_log", "短信记录", MANAGE_SMS),
    NavEntry("outbox.jobs", "后台任务", MANAGE_JOBS),
    NavEntry("auth.accounts", "账号管理", MANAGE_ACCOUNTS),
)


def install(app: Flask) -> None:
    navigation.install(app, NAVIGATION)
