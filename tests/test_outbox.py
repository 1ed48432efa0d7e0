"""The outbox without Redis (inline jobs): SMS at 受理, 反馈, 回访 and 办结, nothing sent for a
rolled-back change, retries with backoff against a failing gateway, failed jobs retried by
an administrator, and templates administrators edit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.extensions import db
from hotline.notifications.models import SmsMessage
from hotline.outbox import operations as outbox
from hotline.outbox.models import OutboxMessage
from tests.conftest import make_app
from tests.fake_sms_gateway import FakeGateway
from tests.helpers import STREET_HANDLER, ApiClient, Browser


def sms(app, appeal_id=None) -> list[SmsMessage]:
    with app.app_context():
        stmt = select(SmsMessage).order_by(SmsMessage.id)
        if appeal_id:
            stmt = stmt.where(SmsMessage.appeal_id == appeal_id)
        return list(db.session.scalars(stmt))


def test_the_citizen_gets_an_sms_at_each_step(api):
    appeal = api.create(citizen_phone="13912345678", citizen_name="赵女士")
    [accepted] = sms(api.app, appeal["id"])
    with api.app.app_context():
        from hotline.appeals.models import Appeal

        code = db.session.get(Appeal, appeal["id"]).query_code
    assert accepted.template == "sms.accepted" and accepted.phone == "13912345678"
    assert accepted.text == (
        f"【12345】赵女士您好，您反映的问题已受理，工单编号{appeal['number']}，查询码{code}。我们将按时限办理并答复您。"
    )
    appeal = api.act(appeal["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id("210102001")})
    api.act(appeal["id"], "sign", STREET_HANDLER)
    api.act(
        appeal["id"], "reply", STREET_HANDLER, {"result": "已清理", "resolved": "解决", "public_reply": "已清理通道"}
    )
    api.act(appeal["id"], "approve_reply", "dispatcher")
    api.act(appeal["id"], "visit", "visitor", {"reached": False, "call_result": "空号"})
    api.act(appeal["id"], "audit", "supervisor", {"passed": True})
    messages = sms(api.app, appeal["id"])
    assert [m.template for m in messages] == ["sms.accepted", "sms.replied", "sms.visit_missed", "sms.closed"]
    assert "办理结果：已清理通道" in messages[1].text
    with api.app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "done"))
            == 0
        )


def test_no_sms_to_landlines_or_when_nothing_was_committed(api):
    api.create(citizen_phone="024-23456789")
    api.create(is_anonymous=True, citizen_phone=None)
    assert sms(api.app) == []
    with api.app.app_context(), pytest.raises(RuntimeError), write_transaction(db.session):
        outbox.add("sms.send", {"template": "sms.accepted", "phone": "13900000000", "text": "x"})
        raise RuntimeError("the change fails after the side effect was recorded")
    with api.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert sms(api.app) == []


@pytest.fixture
def gateway_app(sqlite_template, tmp_path):
    """The app posting SMS to a local fake gateway, jobs inline, a short client timeout."""
    import shutil

    def build(gateway: FakeGateway):
        shutil.copy(sqlite_template, tmp_path / "hotline.sqlite3")
        return make_app(
            f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
            tmp_path,
            HOTLINE_SMS_PROVIDER="http",
            HOTLINE_SMS_GATEWAY_URL=gateway.url,
            HOTLINE_SMS_TIMEOUT_SECONDS=0.5,
        )

    return build


def test_gateway_errors_and_timeouts_are_retried_with_backoff(gateway_app):
    with FakeGateway(["500", "hold", "ok"]) as gateway:
        app = gateway_app(gateway)
        appeal = ApiClient(app).create()
        with app.app_context():
            row = db.session.scalars(select(OutboxMessage)).one()
            assert (row.status, row.attempts) == ("pending", 1) and "500" in row.last_error
            first_retry = row.next_attempt_at
            assert timedelta(seconds=25) < first_retry - row.created_at < timedelta(seconds=35)
            assert outbox.relay(at=first_retry - timedelta(seconds=1)).ran_inline == 0  # not yet due
            outbox.relay(at=first_retry + timedelta(seconds=1))  # the gateway holds it: timeout
            db.session.expire_all()
            row = db.session.get(OutboxMessage, row.id)
            assert (row.status, row.attempts) == ("pending", 2) and "unreachable" in row.last_error
            outbox.relay(at=row.next_attempt_at + timedelta(seconds=1))
            db.session.expire_all()
            assert db.session.get(OutboxMessage, row.id).status == "done"
        gateway.release.set()
        message_id = f"hotline-{row.id}"
        assert gateway.received == [message_id] * 3
        assert gateway.delivered == {message_id: 1}  # delivered once although asked three times
        assert [m.provider_ref for m in sms(app, appeal["id"])] == [f"gw-{message_id}"]


def test_failed_jobs_are_visible_and_retried_by_admins(gateway_app):
    with FakeGateway(["500"] * outbox.MAX_ATTEMPTS) as gateway:
        app = gateway_app(gateway)
        api = ApiClient(app)
        api.create()
        with app.app_context():
            at = now()
            for _ in range(outbox.MAX_ATTEMPTS):
                at += timedelta(hours=7)
                outbox.relay(at=at)
            row = db.session.scalars(select(OutboxMessage)).one()
            assert (row.status, row.attempts) == ("failed", outbox.MAX_ATTEMPTS)
        failed = api.get("/api/v1/jobs", "admin", expect=200).get_json()["items"]
        assert [j["id"] for j in failed] == [row.id] and "500" in failed[0]["last_error"]
        assert api.get("/api/v1/jobs", "dispatcher", expect=403)
        page = Browser(app, "admin").get("/admin/jobs")
        assert f'data-job="{row.id}"' in page
        retried = api.post(f"/api/v1/jobs/{row.id}/retry", "admin", expect=200).get_json()
        assert retried["status"] == "done" and len(gateway.delivered) == 1
        assert api.post(f"/api/v1/jobs/{row.id}/retry", "admin", expect=409)


def test_templates_are_edited_by_admins_and_used_for_the_next_sms(sqlite_app):
    admin = Browser(sqlite_app, "admin")
    page = admin.get("/admin/message-templates")
    assert 'data-template="sms.accepted"' in page and "预览：【12345】王先生您好" in page
    bad = admin.submit(
        "/admin/message-templates",
        "/admin/message-templates",
        {"key": "sms.accepted", "body": "编号{{ numbr }}"},
        expect=400,
    ).get_data(as_text=True)
    assert "模板无法使用" in bad and "numbr" in bad and "编号{{ numbr }}" in bad
    admin.submit(
        "/admin/message-templates",
        "/admin/message-templates",
        {"key": "sms.accepted", "body": "【12345】已受理，编号{{ number }}"},
    )
    appeal = ApiClient(sqlite_app).create()
    assert sms(sqlite_app, appeal["id"])[0].text == f"【12345】已受理，编号{appeal['number']}"
    log = admin.get("/admin/sms")
    assert appeal["number"] in log and "138****5678" in log and "13812345678" not in log
    Browser(sqlite_app, "dispatcher").get("/admin/sms", expect=403)


def test_a_template_that_fails_on_an_empty_value_is_refused_on_save(api):
    """{{ citizen_name[0] }} renders with the sample name, but an anonymous caller has none:
    such a template would fail every nameless intake's SMS, so it is not saved."""
    refused = api.request(
        "PUT",
        "/api/v1/message-templates/sms.accepted",
        "admin",
        json={"body": "{{ citizen_name[0] }}先生您好，工单{{ number }}已受理"},
        expect=400,
    ).get_json()
    assert "某个变量为空时（如匿名来电没有姓名）无法生成短信" in refused["error"]["fields"]["body"]


def test_a_broken_template_fails_its_job_visibly_and_the_intake_still_succeeds(api):
    """A template broken behind the validation (an old row, a direct edit) fails the SMS
    job at once with its error, shown to administrators; the appeal is registered."""
    from hotline.notifications.models import MessageTemplate

    with api.app.app_context(), write_transaction(db.session):
        db.session.get(MessageTemplate, "sms.accepted").body = "{{ citizen_name[0] }}先生您好"
    appeal = api.create(is_anonymous=True, citizen_phone="13912345678")
    assert appeal["state"] == "accepted" and sms(api.app, appeal["id"]) == []
    [failed] = api.get("/api/v1/jobs", "admin", expect=200).get_json()["items"]
    assert failed["attempts"] == 1 and "sms.accepted" in failed["last_error"]
    with api.app.app_context(), write_transaction(db.session):
        db.session.get(MessageTemplate, "sms.accepted").body = "工单{{ number }}已受理"
    assert api.post(f"/api/v1/jobs/{failed['id']}/retry", "admin", expect=200).get_json()["status"] == "done"
    assert [m.text for m in sms(api.app, appeal["id"])] == [f"工单{appeal['number']}已受理"]


def test_every_outbox_handler_and_the_job_function_resolve():
    """A handler named wrongly would fail only when its first job runs: each name in the
    table, every kind the code adds, and RQ's job function resolve to functions now."""
    import importlib
    import inspect
    import re
    from pathlib import Path

    for kind in outbox.HANDLERS:
        assert inspect.signature(outbox.handler(kind)).parameters.keys() == {"outbox_id", "payload"}, kind
    module, _, name = outbox.JOB_FUNCTION.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    package = Path(outbox.__file__).resolve().parent.parent
    added = {
        kind
        for path in package.rglob("*.py")
        for kind in re.findall(r'outbox\.add\(\s*"([^"]+)"', path.read_text(encoding="utf-8"))
    }
    assert added and added <= set(outbox.HANDLERS)
