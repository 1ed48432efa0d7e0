"""In-app notifications: new work reaches the unit, role-addressed notices reach only that
role, and read marks are per user."""

from __future__ import annotations

from tests.helpers import STREET, STREET_HANDLER, Browser


def test_dispatch_notifies_the_unit_and_marks_are_per_user(api):
    appeal = api.appeal_in("dispatched")
    inbox = api.get("/api/v1/notifications", STREET_HANDLER, expect=200).get_json()
    assert inbox["unread"] == 1
    notice = inbox["items"][0]
    assert notice["kind"] == "dispatch" and notice["title"] == f"新派单：{appeal['title']}"
    assert notice["link"] == f"/appeals/{appeal['id']}" and "请于" in notice["body"]
    assert api.get("/api/v1/notifications", "u210103001").get_json()["unread"] == 0
    assert api.post("/api/v1/notifications/read", STREET_HANDLER, json={}, expect=200).get_json() == {"marked": 1}
    assert api.get("/api/v1/notifications", STREET_HANDLER, query={"unread": "true"}).get_json()["items"] == []


def test_extension_requests_reach_the_supervisors_above(api):
    appeal = api.appeal_in("handling")
    api.act(appeal["id"], "request_extension", STREET_HANDLER, {"working_days": 2, "reason": "需协调"})
    items = api.get("/api/v1/notifications", "u210102", expect=200).get_json()["items"]
    assert items[0]["kind"] == "extension" and "太原街街道申请延期2个工作日" in items[0]["body"]


def test_manual_supervise_notifies_both_sides(api):
    appeal = api.appeal_in("handling")
    api.act(appeal["id"], "supervise", "supervisor", {"level": "red", "note": "立即办理"})
    assert api.get("/api/v1/notifications", STREET_HANDLER).get_json()["items"][0]["title"].startswith("红牌督办")
    assert api.get("/api/v1/notifications", "u210102").get_json()["items"][0]["title"].startswith("下级单位被红牌督办")


def test_header_shows_the_unread_count(sqlite_app):
    from tests.helpers import ApiClient

    ApiClient(sqlite_app).appeal_in("dispatched")
    browser = Browser(sqlite_app, f"u{STREET}")
    assert "data-unread>1<" in browser.get("/appeals")
    page = browser.get("/notifications")
    assert "新派单" in page
    browser.submit("/notifications/read", "/notifications", {})
    assert "data-unread" not in browser.get("/appeals")
