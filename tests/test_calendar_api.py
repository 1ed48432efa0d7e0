"""The calendar API and local overrides, and what they do to deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from hotline.core.audit import AuditEntry
from hotline.core.extensions import db
from tests.helpers import STREET


def due(api, **query) -> str:
    return api.get("/api/v1/calendar/due", "operator", query=query, expect=200).get_json()["due_at"]


def test_due_counts_working_days_from_the_day_after(api):
    # Tuesday 30 Sep 2025, the eve of 国庆/中秋: the next working day is Thursday 9 Oct.
    assert due(api, start="2025-09-30T15:00:00+08:00", working_days=1) == "2025-10-09T23:59:59+08:00"
    # Saturday 11 Oct 2025 is a make-up working day.
    assert due(api, start="2025-09-30T15:00:00+08:00", working_days=3) == "2025-10-11T23:59:59+08:00"
    # Spring Festival 2026: Friday 13 Feb + 1 → Saturday 14 Feb (make-up), + 2 → Tuesday 24 Feb.
    assert due(api, start="2026-02-13T09:00:00+08:00", working_days=2) == "2026-02-24T23:59:59+08:00"
    # Saturday 28 Feb 2026 is a make-up day too.
    assert due(api, start="2026-02-27T09:00:00+08:00", working_days=1) == "2026-02-28T23:59:59+08:00"
    # Hours are clock hours, across a holiday; a UTC start comes back in local time.
    assert due(api, start="2025-09-30T16:30:00Z", hours=24) == "2025-10-02T00:30:00+08:00"
    # Just after midnight local time (still the previous day in UTC) counts from the local day.
    assert due(api, start="2026-11-23T16:05:00Z", working_days=1) == "2026-11-25T23:59:59+08:00"


def test_due_rejects_bad_queries(api):
    for query in ({"working_days": 1, "hours": 2}, {}, {"start": "2026-11-24 10:00", "hours": 1}, {"working_days": 0}):
        assert api.get("/api/v1/calendar/due", "operator", query=query).status_code == 400


def test_days_and_makeup_days(api):
    day = api.get("/api/v1/calendar/days/2025-10-06", "operator", expect=200).get_json()
    assert day == {"date": "2025-10-06", "working": False, "reason": "中秋节", "override": False}
    assert api.get("/api/v1/calendar/days/2025-09-28", "operator").get_json()["reason"] == "调休上班"
    assert api.get("/api/v1/calendar/days/2026-11-28", "operator").get_json()["reason"] == "周末"
    assert api.get("/api/v1/calendar/days/2026-13-01", "operator", expect=400)


def test_overrides_change_deadlines_at_once(api):
    friday = "2026-11-27"
    assert api.request(
        "PUT", f"/api/v1/calendar/overrides/{friday}", "dispatcher", json={"working": False, "reason": "x"}, expect=403
    )
    api.request(
        "PUT",
        f"/api/v1/calendar/overrides/{friday}",
        "admin",
        json={"working": False, "reason": "地方性假日"},
        expect=200,
    )
    assert api.get(f"/api/v1/calendar/days/{friday}", "operator").get_json() == {
        "date": friday,
        "working": False,
        "reason": "地方性假日",
        "override": True,
    }
    assert due(api, start="2026-11-26T09:00:00+08:00", working_days=1) == "2026-11-30T23:59:59+08:00"
    # A Saturday made a working day.
    api.request(
        "PUT",
        "/api/v1/calendar/overrides/2026-11-28",
        "admin",
        json={"working": True, "reason": "临时调休"},
        expect=200,
    )
    assert due(api, start="2026-11-26T09:00:00+08:00", working_days=1) == "2026-11-28T23:59:59+08:00"
    listed = api.get("/api/v1/calendar/overrides", "operator", expect=200).get_json()["items"]
    assert [o["date"] for o in listed] == [friday, "2026-11-28"]
    api.request("DELETE", "/api/v1/calendar/overrides/2026-11-28", "admin", expect=204)
    api.request("DELETE", "/api/v1/calendar/overrides/2026-11-28", "admin", expect=404)
    with api.app.app_context():
        actions = [
            e.action
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "calendar_override").order_by(AuditEntry.id)
            )
        ]
        assert actions == ["set", "set", "remove"]


def test_sla_policy_edits_apply_to_the_next_dispatch(api):
    path = "/api/v1/sla-policies/一般/投诉"
    policy = next(
        p
        for p in api.get("/api/v1/sla-policies", "dispatcher", expect=200).get_json()["items"]
        if (p["urgency"], p["type"]) == ("一般", "投诉")
    )
    assert policy["handle"] == "10wd" and policy["sign"] == "1wd"
    body = {k: v for k, v in policy.items() if k not in ("urgency", "type")}
    assert api.request("PUT", path, "dispatcher", json=body, expect=403)
    bad = api.request(
        "PUT", path, "admin", json=body | {"handle": "10days", "extension_times": -1}, expect=400
    ).get_json()["error"]
    assert set(bad["fields"]) == {"handle", "extension_times"}
    api.request("PUT", path, "admin", json=body | {"handle": "3wd", "sign": "2h"}, expect=200)
    appeal = api.create()
    appeal = api.act(appeal["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})
    dispatched = datetime.fromisoformat(appeal["events"][-1]["at"])
    assert datetime.fromisoformat(appeal["deadlines"]["sign_due_at"]) == dispatched + timedelta(hours=2)
    assert api.request("PUT", "/api/v1/sla-policies/很急/投诉", "admin", json=body, expect=404)
