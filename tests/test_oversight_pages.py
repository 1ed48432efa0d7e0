"""Oversight and administration pages: the dashboard counts, SLA policies and the calendar."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.escalation import sweep
from hotline.appeals.intake import create_appeal
from hotline.auth.models import User
from hotline.core.extensions import db
from tests.helpers import SH, STREET, ApiClient, Browser, appeal_data


def test_dashboard_counts_by_sla_and_card(api):
    with api.app.app_context():
        u = {x.username: x for x in db.session.scalars(select(User))}
        past = datetime(2026, 1, 5, 10, tzinfo=SH)
        for _ in range(2):  # long overdue, swept into yellow cards
            a = create_appeal(appeal_data(), u["operator"], at=past)
            perform(a.id, "dispatch", {"unit_id": u[f"u{STREET}"].unit_id}, u["dispatcher"], at=past)
        sweep()
    api.appeal_in("handling")  # on time
    api.appeal_in("accepted")  # at the centre
    centre = api.get("/api/v1/dashboard", "supervisor", expect=200).get_json()
    assert (centre["total"]["open"], centre["total"]["overdue"], centre["total"]["yellow"]) == (4, 2, 2)
    rows = {(r["unit"] or {}).get("code", "centre"): r for r in centre["rows"]}
    assert set(rows) == {"centre", "210102"} and rows["210102"]["open"] == 3 and rows["centre"]["open"] == 1
    district = api.get("/api/v1/dashboard", "u210102", expect=200).get_json()
    assert district["total"]["open"] == 3 and [r["unit"]["code"] for r in district["rows"]] == [STREET]
    street = api.get("/api/v1/dashboard", f"u{STREET}", expect=200).get_json()
    assert street["rows"][0]["unit"]["code"] == STREET and street["rows"][0]["overdue"] == 2
    assert centre["counted_at"] is None  # no scheduler has counted yet: counted live


def test_dashboard_reads_the_minutely_counts_while_they_are_fresh(api):
    """The scheduler counts the open appeals each minute; the dashboard shows those counts
    (and when they were taken) while they are fresh, and counts live once they are stale."""
    from datetime import timedelta

    from hotline.appeals.dashboard import refresh_open_counts
    from hotline.core.clock import now
    from hotline.scheduler import JOBS, _in_app

    api.appeal_in("handling")
    api.appeal_in("accepted")
    live = api.get("/api/v1/dashboard", "supervisor", expect=200).get_json()
    _in_app(api.app, next(j for j in JOBS if j.id == "open-counts"))()
    counted = api.get("/api/v1/dashboard", "supervisor", expect=200).get_json()
    assert counted["counted_at"] is not None
    assert (counted["total"], counted["rows"]) == (live["total"], live["rows"])
    district = api.get("/api/v1/dashboard", "u210102", expect=200).get_json()
    assert district["total"]["open"] == 1 and district["counted_at"] == counted["counted_at"]
    assert "统计于" in Browser(api.app, "supervisor").get("/dashboard")
    api.appeal_in("accepted")  # not counted until the next minute
    assert api.get("/api/v1/dashboard", "supervisor").get_json()["total"]["open"] == 2
    with api.app.app_context():
        refresh_open_counts(now() - timedelta(minutes=3))  # the scheduler stopped three minutes ago
    stale = api.get("/api/v1/dashboard", "supervisor").get_json()
    assert stale["counted_at"] is None and stale["total"]["open"] == 3


def test_dashboard_page(sqlite_app):
    ApiClient(sqlite_app).appeal_in("handling")
    html = Browser(sqlite_app, "supervisor").get("/dashboard")
    assert 'data-unit="210102"' in html and "督办看板" in html
    Browser(sqlite_app, "u210102001001001").get("/dashboard", expect=403)  # a grid worker


def test_sla_policy_page(sqlite_app):
    admin = Browser(sqlite_app, "admin")
    page = admin.get("/admin/sla-policies")
    assert page.count("data-policy=") == 18
    form = {
        "urgency": "一般",
        "type": "投诉",
        "dispatch": "0.5wd",
        "sign": "1wd",
        "return_window": "1wd",
        "handle": "10 days",
        "visit": "1wd",
        "review": "1wd",
        "reopen": "5wd",
        "red_after": "1wd",
        "extension_times": "2",
        "extension_max_days": "5",
        "reopen_rounds": "2",
    }
    refused = admin.submit("/admin/sla-policies", "/admin/sla-policies", form, expect=400).get_data(as_text=True)
    assert "10 days" in refused and "「一般·投诉」有误：办结：" in refused  # the field by its label
    admin.submit("/admin/sla-policies", "/admin/sla-policies", form | {"handle": "8wd"})
    assert 'name="handle" value="8wd"' in admin.get("/admin/sla-policies")
    admin.submit("/admin/sla-policies/reset", "/admin/sla-policies", {})
    assert 'name="handle" value="8wd"' not in admin.get("/admin/sla-policies")
    Browser(sqlite_app, "supervisor").get("/admin/sla-policies", expect=403)


def test_calendar_page_shows_holidays_and_sets_overrides(sqlite_app):
    admin = Browser(sqlite_app, "admin")
    october = admin.get("/admin/calendar?month=2025-10")
    assert re.search(r'class="rest" data-day="2025-10-01"', october) and "国庆节" in october
    assert re.search(r'class="work" data-day="2025-10-11"', october)  # 调休上班
    admin.submit(
        "/admin/calendar", "/admin/calendar", {"day": "2026-12-25", "working": "false", "reason": "地方性假日"}
    )
    december = admin.get("/admin/calendar?month=2026-12")
    assert re.search(r'class="rest" data-day="2026-12-25"', december) and 'data-override="2026-12-25"' in december
    assert "保存" not in Browser(sqlite_app, "operator").get("/admin/calendar?month=2026-12").split("本地设置")[1]
