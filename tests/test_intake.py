"""Registering an appeal (受理): what is checked, what is refused, and that a refusal
writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from hotline.appeals.models import Appeal, AppealEvent, AppealNumberCounter
from hotline.core.extensions import db
from tests.helpers import appeal_data


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (Appeal, AppealEvent, AppealNumberCounter)
        )


def test_number_format_and_daily_sequence(api):
    first = api.create()
    second = api.create(channel="网站")
    third = api.create()
    assert re.fullmatch(r"\d{8}01\d{6}", first["number"])
    assert first["number"][:8] == first["received_at"][:10].replace("-", "")  # the local day
    assert second["number"][8:10] == "02" and second["number"].endswith("000001")
    assert int(third["number"][-6:]) == int(first["number"][-6:]) + 1
    assert api.appeal(first["number"])["id"] == first["id"]  # found by number too


BAD_INPUT = [
    ({"title": None}, "title", "必填"),
    ({"title": "长" * 101}, "title", "不能超过100个字符"),
    ({"content": ""}, "content", "不能为空"),
    ({"content": "字" * 4001}, "content", "不能超过4000个字符"),
    ({"type": "闲聊"}, "type", "必须是以下之一"),
    ({"category": "999999"}, "category", "没有这个分类"),
    ({"category": "0101"}, "category", "不是末级分类"),
    ({"citizen_phone": "12345"}, "citizen_phone", "不是有效的大陆手机号"),
    ({"citizen_phone": "1381234567"}, "citizen_phone", "不是有效的大陆手机号"),
    ({"citizen_phone": "+1 415 555 0100"}, "citizen_phone", "不是有效的大陆手机号"),
    ({"citizen_phone": None}, "citizen_phone", "非匿名诉求必须留联系电话"),
    ({"lat": 41.8, "lon": None}, "lon", "经纬度必须同时提供"),
    ({"lat": 48.85, "lon": 2.35}, "lon", "不能小于"),
    ({"urgency": "很急"}, "urgency", "必须是以下之一"),
    ({"is_enterprise": True}, "enterprise_name", "涉企诉求必须填写企业名称"),
    (
        {"is_enterprise": True, "enterprise_name": "沈阳某公司", "enterprise_credit_code": "91210102MA0XXXXX00"},
        "enterprise_credit_code",
        "统一社会信用代码",
    ),
    (
        {"is_enterprise": True, "enterprise_name": "沈阳某公司", "enterprise_credit_code": "91350100M000100Y44"},
        "enterprise_credit_code",
        "校验位不正确",
    ),
    ({"channel": "随手拍"}, "channel", "由其自身入口登记"),
    ({"received_at": "2026-11-24 09:00"}, "received_at", "带时区"),
    ({"received_at": "2020-01-01T09:00:00+08:00"}, "received_at", "最近7天内"),
    ({"surprise": 1}, "surprise", "不支持的字段"),
]


@pytest.mark.parametrize("change,field,message", BAD_INPUT, ids=[b[1] + str(i) for i, b in enumerate(BAD_INPUT)])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, change, field, message):
    before = _counts(api.app)
    resp = api.post(
        "/api/v1/appeals",
        "operator",
        json=appeal_data(**change) | {k: v for k, v in change.items() if v is not None},
        expect=400,
    )
    error = resp.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"] and message in error["fields"][field], error
    assert _counts(api.app) == before


def test_body_must_be_a_json_object(api):
    for body in ([1, 2], "text", None):
        resp = api.post("/api/v1/appeals", "operator", json=body, expect=400)
        assert resp.get_json()["error"]["fields"] == {"body": "必须是 JSON 对象"}


def test_accepted_phone_formats_are_normalised(api):
    assert api.create(citizen_phone="+86 138-1234-5678")["citizen"]["phone"] == "13812345678"
    assert api.create(citizen_phone="024-23456789")["citizen"]["phone"] == "02423456789"
    valid = api.create(
        is_enterprise=True, enterprise_name="沈阳某科技有限公司", enterprise_credit_code="91350100m000100y43"
    )
    assert valid["enterprise"] == {"name": "沈阳某科技有限公司", "credit_code": "91350100M000100Y43"}


def test_only_centre_intake_staff_register(api):
    before = _counts(api.app)
    for user in ("visitor", "supervisor", "admin", "u210102"):
        assert api.post("/api/v1/appeals", user, json=appeal_data(), expect=403)
    assert _counts(api.app) == before


def test_call_time_only_from_operators(api):
    resp = api.post(
        "/api/v1/appeals", "dispatcher", json=appeal_data(received_at="2026-11-24T01:00:00+08:00"), expect=400
    )
    assert "received_at" in resp.get_json()["error"]["fields"]


def test_anonymous_appeal_keeps_no_name(api):
    appeal = api.create(is_anonymous=True, citizen_name="张三", citizen_phone=None)
    assert appeal["is_anonymous"] and appeal["citizen"]["name"] is None


def test_unauthenticated_or_bad_token_is_401(api):
    assert api.request("POST", "/api/v1/appeals", json=appeal_data(), expect=401)
    resp = api.request("GET", "/api/v1/appeals", headers={"Authorization": "Bearer nope"}, expect=401)
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_what_intake_answers_is_what_was_stored(api, app):
    """The intake writes its rows without the ORM's flush and answers from what it wrote:
    the answer must be what a later read of the appeal gives, every column included."""
    from hotline.outbox.models import OutboxMessage

    made = api.create(urgency="紧急", is_enterprise=True, enterprise_name="沈阳某公司")
    assert api.appeal(made["number"], user="operator") == made
    with app.app_context():
        from hotline.appeals.intake import create_appeal
        from hotline.auth.models import User

        operator = db.session.scalars(select(User).where(User.username == "operator")).one()
        appeal = create_appeal(appeal_data(citizen_name="李女士"), operator)
        held = {
            model: {c.key: getattr(obj, c.key) for c in model.__mapper__.column_attrs}
            for model, obj in [(Appeal, appeal), (AppealEvent, appeal.events[0])]
        }
        [message] = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        held[OutboxMessage] = {c.key: getattr(message, c.key) for c in OutboxMessage.__mapper__.column_attrs}
        ids = {Appeal: appeal.id, AppealEvent: appeal.events[0].id, OutboxMessage: message.id}
        db.session.expunge_all()
        for model, values in held.items():
            stored = db.session.get(model, ids[model])
            assert {c.key: getattr(stored, c.key) for c in model.__mapper__.column_attrs} == values, model


def test_a_change_made_by_another_process_counts_at_the_next_intake(api, app):
    """Each process keeps the taxonomy (and the grid, the calendar …) until its revision
    changes; the request's sign-in reads the revisions, so a category another server
    retired is refused here at the next intake, not after a restart."""
    api.create(category="040201")  # this process now holds the taxonomy
    with app.app_context(), db.engine.begin() as other:  # another server's change, behind this one's back
        other.execute(text("UPDATE categories SET active = :off WHERE code = '040201'"), {"off": False})
        other.execute(text("UPDATE revisions SET token = 'changed-elsewhere' WHERE name = 'categories'"))
    refused = api.create(category="040201", expect=400)["error"]
    assert refused["fields"] == {"category": "没有这个分类"}
