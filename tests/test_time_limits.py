"""The time-limit model beyond urgency × type: a category's own ceiling (供水 24 h) and the
长周期 extension beyond the policy's times and days, decided by the centre."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import current_app
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal
from hotline.auth.models import User
from hotline.core.errors import BadRequest, Conflict, Forbidden
from hotline.core.extensions import db
from hotline.notifications.models import Notification
from hotline.outbox.models import OutboxMessage
from tests.helpers import DISTRICT, STREET_HANDLER, Browser, accounts, appeal_data, local

WATER_CUT = "100101"  # 公用事业 / 供水 / 停水: 供水 caps it at 2 h to sign, 24 h to finish


def _dispatched(users: dict[str, User], at: datetime, **fields) -> Appeal:
    # Water is the city's 住建 department's (its responsibility rule); the rest the street's.
    unit = users["u210100ZJ" if fields.get("category") == WATER_CUT else STREET_HANDLER].unit_id
    appeal = create_appeal(appeal_data(**fields), users["operator"], at=at)
    return perform(appeal.id, "dispatch", {"unit_id": unit}, users["dispatcher"], at=at)


def test_a_category_ceiling_caps_the_policy_and_never_loosens_a_tighter_tier(ctx):
    users = accounts()
    at = local(2026, 11, 24, 9)  # a Tuesday
    water = _dispatched(users, at, category=WATER_CUT, type="求助")
    assert water.sign_due_at == local(2026, 11, 24, 11)  # 2 h, not 1 working day
    assert water.due_at == local(2026, 11, 25, 9)  # 24 h, not 10 working days
    parking = _dispatched(users, at, type="求助")  # 违章停车: no ceiling
    assert parking.due_at == local(2026, 12, 8, 23, 59, 59)
    critical = _dispatched(users, at, category=WATER_CUT, urgency="特急")
    assert critical.due_at == local(2026, 11, 24, 11) and critical.sign_due_at == local(2026, 11, 24, 9, 15)


def test_ceilings_are_set_by_administrators_inherited_and_leave_existing_deadlines(api):
    before = api.appeal_in("dispatched")  # 违章停车 (040201), 10 working days
    path = "/api/v1/sla-category-limits/0402"  # 道路交通, above 违章停车
    api.request("PUT", path, "dispatcher", json={"handle": "3wd"}, expect=403)
    bad = api.request("PUT", path, "admin", json={"handle": "3 天"}, expect=400).get_json()["error"]
    assert "办结时限上限" in bad["message"] and "handle" in bad["fields"]
    api.request("PUT", "/api/v1/sla-category-limits/9999", "admin", json={"handle": "3wd"}, expect=404)
    saved = api.request("PUT", path, "admin", json={"sign": "", "handle": "3wd"}, expect=200).get_json()
    assert saved == {"category": {"code": "0402", "name": "道路交通"}, "sign": None, "handle": "3wd"}
    listed = api.get("/api/v1/sla-category-limits", "operator", expect=200).get_json()["items"]
    assert {i["category"]["code"] for i in listed} == {"0302", "1001", "1002", "1003", "0402"}

    after = api.appeal_in("dispatched")
    assert after["deadlines"]["due_at"] < before["deadlines"]["due_at"]  # the leaf inherits 3 WD
    assert api.appeal(before["id"])["deadlines"] == before["deadlines"]  # existing ones keep theirs
    expected = api.get(
        "/api/v1/sla-policies/expected", "operator", query={"urgency": "一般", "type": "投诉", "category": "040201"},
        expect=200,
    ).get_json()  # fmt: skip
    assert expected["handle"] == "10个工作日，道路交通类最长3个工作日"
    assert expected["handle_due_at"] == after["deadlines"]["due_at"][:10] + expected["handle_due_at"][10:]

    cleared = api.request("PUT", path, "admin", json={"sign": None, "handle": None}, expect=200).get_json()
    assert cleared["handle"] is None
    assert len(api.get("/api/v1/sla-category-limits", "operator", expect=200).get_json()["items"]) == 4
    api.post("/api/v1/sla-policies/reset", "admin", expect=200)
    assert len(api.get("/api/v1/sla-category-limits", "operator", expect=200).get_json()["items"]) == 4


def test_the_sla_page_edits_category_ceilings(api):
    admin = Browser(api.app, "admin")
    page = admin.get("/admin/sla-policies")
    assert "分类时限上限" in page and 'data-category="1001"' in page
    refused = admin.submit(
        "/admin/sla-policies/categories", "/admin/sla-policies", {"category": "0402", "handle": "三天"}, expect=400
    ).get_data(as_text=True)
    assert "办结上限：时限格式应为" in refused
    admin.submit("/admin/sla-policies/categories", "/admin/sla-policies", {"category": "0402", "handle": "3wd"})
    assert 'data-category="0402"' in admin.get("/admin/sla-policies")
    admin.submit("/admin/sla-policies/categories", "/admin/sla-policies", {"category": "0402"})
    assert 'data-category="0402"' not in admin.get("/admin/sla-policies")


def test_a_long_cycle_extension_goes_beyond_the_policy_and_is_the_centres_to_decide(ctx):
    users = accounts()
    street, district, centre = users[STREET_HANDLER], users[f"u{DISTRICT}"], users["supervisor"]
    at = local(2026, 11, 24, 9)
    appeal = _dispatched(users, at, urgency="紧急")
    perform(appeal.id, "sign", {}, street, at=at)
    with pytest.raises(Conflict, match="紧急诉求不能延期；确需较长周期办理的"):
        perform(appeal.id, "request_extension", {"working_days": 5, "reason": "x"}, street, at=at)
    too_long = {"working_days": 31, "reason": "管网改造", "long_cycle": True}
    with pytest.raises(BadRequest, match="延期工作日数：长周期延期每次最多30个工作日"):
        perform(appeal.id, "request_extension", too_long, street, at=at)
    body = {"working_days": 20, "reason": "主管网改造需协调供水集团", "long_cycle": True}
    perform(appeal.id, "request_extension", body, street, at=at)
    asked = db.session.scalars(select(Notification).where(Notification.kind == "extension")).all()
    assert [(n.unit_id, n.role, n.title[:6]) for n in asked] == [(centre.unit_id, "supervisor", "长周期延期申")]

    page = Browser(current_app, "supervisor").get(f"/appeals/{appeal.id}")
    assert "待热线中心审批：长周期，20 个工作日" in page
    with pytest.raises(Forbidden, match="长周期延期由热线中心督办员审批"):
        perform(appeal.id, "approve_extension", {}, district, at=at)
    appeal = perform(appeal.id, "approve_extension", {}, centre, at=at)
    # 24 h from dispatch, then 20 working days from that deadline (the end of the 20th).
    assert appeal.due_at == local(2026, 12, 23, 23, 59, 59)
    assert appeal.extension_count == 1 and appeal.extensions[0].long_cycle
    [sms] = [
        m.payload
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms.send"))
        if m.payload["template"] == "sms.extended"
    ]
    assert sms["context"]["due_at"] == "2026-12-23 23:59" and sms["context"]["reason"] == body["reason"]


def test_regular_extensions_used_up_leave_the_long_cycle_path(ctx):
    users = accounts()
    street, district = users[STREET_HANDLER], users[f"u{DISTRICT}"]
    at = local(2026, 11, 24, 9)
    appeal = _dispatched(users, at)
    perform(appeal.id, "sign", {}, street, at=at)
    for _ in range(2):  # 一般: two regular extensions, decided by the district above
        perform(appeal.id, "request_extension", {"working_days": 5, "reason": "需协调"}, street, at=at)
        perform(appeal.id, "approve_extension", {}, district, at=at)
    with pytest.raises(Conflict, match="延期次数已用完（投诉诉求最多延期2次）；确需较长周期办理的"):
        perform(appeal.id, "request_extension", {"working_days": 1, "reason": "第三次"}, street, at=at)
    perform(appeal.id, "request_extension", {"working_days": 10, "reason": "第三次", "long_cycle": True}, street, at=at)
    appeal = perform(appeal.id, "approve_extension", {}, users["supervisor"], at=at)
    assert appeal.extension_count == 3
