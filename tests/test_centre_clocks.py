"""The centre's own steps run on clocks like every unit's: 受理 → 派单 (half a working day,
30 minutes when urgent) and 反馈 → 审核 (one working day, 2 hours when urgent); warned at two
thirds, counted on the dashboard as the centre's, and reported once to the centre's
supervisors when late."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.appeals.dashboard import dashboard
from hotline.appeals.deadlines import Limit
from hotline.appeals.engine import perform
from hotline.appeals.escalation import sweep
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.calendar.workdays import WorkCalendar
from hotline.core.extensions import db
from hotline.notifications.models import Notification
from tests.helpers import SH, STREET, STREET_HANDLER, Browser, accounts, appeal_data, local

CAL = WorkCalendar(SH)


@pytest.mark.parametrize(
    "received,due",
    [
        (local(2026, 11, 23, 10), local(2026, 11, 23, 23, 59, 59)),  # a Monday morning: by that evening
        (local(2026, 11, 23, 15), local(2026, 11, 24, 12)),  # its afternoon: by noon on Tuesday
        (local(2026, 11, 28, 10), local(2026, 11, 30, 12)),  # a Saturday: by noon on Monday
        (local(2025, 9, 30, 16), local(2025, 10, 9, 12)),  # before 国庆 2025: by noon on the first day back
    ],
)
def test_half_a_working_day(received, due):
    assert CAL.add_working_half_day(received) == due


def test_limits_are_minutes_hours_working_days_half_days_or_calendar_days():
    assert str(Limit.parse("0.5wd")) == "半个工作日" and str(Limit.parse("15d")) == "15个自然日"
    assert CAL.add_calendar_days(local(2026, 9, 30, 16), 15) == local(2026, 10, 15, 23, 59, 59)  # holidays count
    for wrong in ("1.5wd", "0.5h", "0d", "3days"):
        with pytest.raises(ValueError, match="时限格式应为"):
            Limit.parse(wrong)


def test_the_dispatch_clock_is_warned_reported_and_ends_with_the_dispatch(ctx):
    users = accounts()
    appeal = create_appeal(appeal_data(), users["operator"], at=local(2026, 11, 23, 10))
    assert appeal.dispatch_due_at == appeal.sla_due_at == local(2026, 11, 23, 23, 59, 59)
    urgent = create_appeal(appeal_data(urgency="紧急"), users["operator"], at=local(2026, 11, 23, 10))
    assert urgent.sla_due_at == local(2026, 11, 23, 10, 30)

    # Two thirds of the half day: the centre's dispatchers are warned; the urgent one is
    # late already, and reported once to the centre's supervisors (no card).
    first = sweep(local(2026, 11, 23, 20))
    assert (first.warned, first.reported, first.yellow) == (1, 1, 0)
    warned = db.session.scalars(select(Notification).where(Notification.kind == "warning")).all()
    assert {(n.unit_id, n.role) for n in warned} == {(users["dispatcher"].unit_id, "dispatcher")}
    report = sweep(local(2026, 11, 24, 9))
    assert report.reported == 1 and report.yellow == 0 and sweep(local(2026, 11, 24, 10)).changed == 0
    told = db.session.scalars(
        select(Notification).where(Notification.role == "supervisor", Notification.kind == "supervise")
    ).all()
    assert {n.unit_id for n in told} == {users["supervisor"].unit_id} and len(told) == 2
    assert all(n.title.startswith("超期未派单") for n in told)
    events = db.session.scalars(select(AppealEvent.action).where(AppealEvent.appeal_id == appeal.id)).all()
    assert events == ["create", "warn", "overdue"]
    board = dashboard(users["supervisor"], local(2026, 11, 24, 9))
    centre_queue = next(r for r in board.rows if r.unit is None)
    assert (centre_queue.open, centre_queue.overdue) == (2, 2)

    appeal = perform(appeal.id, "dispatch", {"unit_id": users[STREET_HANDLER].unit_id}, users["dispatcher"],
                     at=local(2026, 11, 24, 9, 30))  # fmt: skip
    assert appeal.sla_due_at == appeal.sign_due_at and appeal.next_escalation_at is None


def test_a_reply_waits_on_the_centres_review_clock(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    start = local(2026, 11, 23, 9)
    appeal = create_appeal(appeal_data(), users["operator"], at=start)
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=start)
    perform(appeal.id, "sign", {}, street, at=local(2026, 11, 23, 10))
    appeal = perform(appeal.id, "reply", {"result": "已处理", "resolved": "解决"}, street, at=local(2026, 11, 24, 10))
    assert appeal.review_due_at == appeal.sla_due_at == local(2026, 11, 25, 23, 59, 59)

    # The dashboard counts it as the centre's to do, no longer the street's.
    at = local(2026, 11, 26, 9)
    board = dashboard(users["supervisor"], at)
    centre_queue = next(r for r in board.rows if r.unit is None)
    assert (centre_queue.open, centre_queue.overdue) == (1, 1)
    assert dashboard(users[f"u{STREET}"], at).total.open == 0
    report = sweep(at)
    assert report.reported == 1 and report.yellow == 0
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.state == "replied" and appeal.supervision_level is None
    appeal = perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=local(2026, 11, 26, 10))
    assert appeal.sla_due_at == appeal.visit_due_at


def test_an_accepted_return_restarts_the_dispatch_clock(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    appeal = create_appeal(appeal_data(), users["operator"], at=local(2026, 11, 23, 9))
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=local(2026, 11, 23, 9))
    perform(appeal.id, "return", {"reason": "x", "basis": "y"}, street, at=local(2026, 11, 23, 10))
    appeal = perform(appeal.id, "approve_return", {}, users["dispatcher"], at=local(2026, 11, 23, 14))
    assert appeal.state == "accepted" and appeal.dispatch_due_at == local(2026, 11, 24, 12)
    assert appeal.sla_due_at == appeal.dispatch_due_at == appeal.next_escalation_at


def test_the_centres_limits_are_edited_with_the_others(api):
    body = api.get("/api/v1/sla-policies", "admin", query={"per_page": 100}, expect=200).get_json()
    general = next(p for p in body["items"] if (p["urgency"], p["type"]) == ("一般", "投诉"))
    assert (general["dispatch"], general["review"]) == ("0.5wd", "1wd")
    path = "/api/v1/sla-policies/一般/投诉"
    changed = {k: v for k, v in general.items() if k not in ("urgency", "type")}
    refused = api.request("PUT", path, "admin", json={**changed, "dispatch": "1.5wd"}, expect=400).get_json()
    assert "dispatch" in refused["error"]["fields"]
    api.request("PUT", path, "admin", json={**changed, "dispatch": "2h", "review": "3d"}, expect=200)
    appeal = api.create()  # a 一般 投诉
    detail = api.appeal(appeal["id"])
    assert detail["deadlines"]["dispatch_due_at"] == detail["sla"]["due_at"]
    page = Browser(api.app, "admin").get("/admin/sla-policies")
    assert "派单（中心）" in page and "审核（中心）" in page and 'value="3d"' in page
    assert "派单时限" in Browser(api.app, "dispatcher").get(f"/appeals/{appeal['id']}")


def test_the_centres_row_of_the_dashboard_lists_what_it_counts(api):
    import html
    import re

    replied, accepted = api.appeal_in("replied"), api.create()
    api.appeal_in("handling")  # the street's step: not the centre's
    supervisor = Browser(api.app, "supervisor")
    row = re.search(r'data-unit="centre">.*?<a [^>]*href="([^"]+)">(\d+)</a>', supervisor.get("/dashboard"), re.S)
    assert row is not None and row.group(2) == "2"
    listed = supervisor.get(html.unescape(row.group(1)))
    assert "共 2 件" in listed and replied["number"] in listed and accepted["number"] in listed
