"""What the admin pages do, the API does too: SMS templates and log, SLA policy reset,
and one page shape for every list."""

from __future__ import annotations

import pytest

from tests.helpers import STREET


def test_sms_templates_are_edited_checked_and_reset(api):
    listed = api.get("/api/v1/message-templates", "admin", expect=200).get_json()
    accepted = next(t for t in listed["items"] if t["key"] == "sms.accepted")
    assert "number" in listed["variables"] and listed["variables"]["number"] in accepted["preview"]
    changed = api.request(
        "PUT",
        "/api/v1/message-templates/sms.accepted",
        "admin",
        json={"body": "【12345】已受理，工单{{ number }}，查询码{{ query_code }}"},
        expect=200,
    ).get_json()
    assert changed["preview"].startswith("【12345】已受理，工单")
    bad = api.request(
        "PUT", "/api/v1/message-templates/sms.accepted", "admin", json={"body": "{{ nope }}"}, expect=400
    ).get_json()
    assert "body" in bad["error"]["fields"]
    api.request("PUT", "/api/v1/message-templates/sms.unknown", "admin", json={"body": "x"}, expect=404)
    api.request("PUT", "/api/v1/message-templates/sms.accepted", "operator", json={"body": "x"}, expect=403)
    reset = api.post("/api/v1/message-templates/reset", "admin", expect=200).get_json()
    assert next(t for t in reset["items"] if t["key"] == "sms.accepted")["body"] == accepted["body"]


def test_sms_log_pages_and_masks_phones(api):
    for _ in range(3):
        api.create(citizen_phone="13812345678")
    log = api.get("/api/v1/sms", "admin", query={"per_page": 2}, expect=200).get_json()
    assert log["total"] == 3 and log["pages"] == 2 and len(log["items"]) == 2
    assert all(m["phone"] == "138****5678" for m in log["items"])
    assert log["items"][0]["id"] > log["items"][1]["id"]  # newest first
    api.get("/api/v1/sms", "supervisor", expect=403)


def test_sla_policies_reset(api):
    api.request(
        "PUT",
        "/api/v1/sla-policies/一般/投诉",
        "admin",
        json={
            **{
                k: v
                for k, v in next(
                    p
                    for p in api.get("/api/v1/sla-policies", "admin", expect=200).get_json()["items"]
                    if p["urgency"] == "一般" and p["type"] == "投诉"
                ).items()
                if k not in ("urgency", "type")
            },
            "handle": "7wd",
        },
        expect=200,
    )
    reset = api.post("/api/v1/sla-policies/reset", "admin", expect=200).get_json()
    assert next(p for p in reset["items"] if (p["urgency"], p["type"]) == ("一般", "投诉"))["handle"] == "10wd"
    api.post("/api/v1/sla-policies/reset", "supervisor", expect=403)


@pytest.mark.parametrize(
    "path, user",
    [
        ("/api/v1/units", "dispatcher"),
        ("/api/v1/categories", "dispatcher"),
        ("/api/v1/routing-rules", "admin"),
        ("/api/v1/sla-policies", "admin"),
        ("/api/v1/calendar/overrides", "admin"),
        ("/api/v1/notifications", f"u{STREET}"),
        ("/api/v1/ledgers", "supervisor"),
        ("/api/v1/jobs", "admin"),
        ("/api/v1/users", "admin"),
        ("/api/v1/sms", "admin"),
        ("/api/v1/appeals", "dispatcher"),
    ],
)
def test_every_list_pages_the_same_way(api, path, user):
    first = api.get(path, user, query={"per_page": 1}, expect=200).get_json()
    assert {"items", "total", "page", "per_page", "pages"} <= set(first)
    assert first["page"] == 1 and first["per_page"] == 1 and len(first["items"]) == min(first["total"], 1)
    assert first["pages"] == first["total"]
    if first["total"] > 1:
        second = api.get(path, user, query={"per_page": 1, "page": 2}, expect=200).get_json()
        assert second["items"] != first["items"]
    error = api.get(path, user, query={"per_page": 201}, expect=400).get_json()["error"]
    assert "per_page" in error["fields"]
    api.get(path, user, query={"page": 0}, expect=400)
