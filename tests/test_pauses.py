"""挂起/缓办: a unit asks, a supervisor above decides; while paused the clock stops and the
appeal is neither on time nor overdue; it resumes by hand or on its date with the time it
had left, through holidays; the citizen is told by SMS."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from hotline.appeals.engine import perform, resume_due_pauses
from hotline.appeals.escalation import sweep
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.errors import BadRequest, Forbidden
from hotline.core.extensions import db
from hotline.notifications.models import Notification
from hotline.outbox.models import OutboxMessage
from tests.helpers import DISTRICT, STREET_HANDLER, Browser, accounts, appeal_data, local, pause_request


def _sms(appeal_id: int, template: str) -> list[dict]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms.send")).all()
    return [r.payload for r in rows if r.payload["appeal_id"] == appeal_id and r.payload["template"] == template]


def _in_hand(users: dict[str, User], at: datetime, **fields) -> Appeal:
    appeal = create_appeal(appeal_data(**fields), users["operator"], at=at)
    perform(appeal.id, "dispatch", {"unit_id": users[STREET_HANDLER].unit_id}, users["dispatcher"], at=at)
    return perform(appeal.id, "sign", {}, users[STREET_HANDLER], at=at)


def test_a_pause_through_national_day_gives_back_the_working_days_that_were_left(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    # Dispatched Monday 2025-09-22: 10 working days run past 国庆 to the make-up Saturday.
    appeal = _in_hand(users, local(2025, 9, 22, 10))
    assert appeal.due_at == local(2025, 10, 11, 23, 59, 59)
    request = {"kind": "季节天气", "reason": "管线改造须待节后施工队进场", "resume_on": "2025-10-20"}
    appeal = perform(appeal.id, "request_pause", request, street, at=local(2025, 9, 25, 14))
    assert appeal.state == "handling" and appeal.pending_pause is not None
    asked = db.session.scalars(select(Notification).where(Notification.kind == "pause")).all()
    assert [(n.unit_id, n.role) for n in asked] == [(users[f"u{DISTRICT}"].unit_id, "supervisor")]

    appeal = perform(appeal.id, "approve_pause", {"note": "同意"}, users[f"u{DISTRICT}"], at=local(2025, 9, 25, 15))
    assert appeal.state == "paused" and appeal.sla_due_at is None and appeal.warning_pending_at is None
    [sms] = _sms(appeal.id, "sms.paused")
    assert sms["context"]["resume_on"] == "2025-10-20" and sms["context"]["reason"] == "季节天气"

    # Long past the old deadline: no warning, no card, not overdue in any list.
    report = sweep(local(2025, 10, 15, 9))
    assert report.warned == report.yellow == 0
    assert db.session.get(Appeal, appeal.id).state == "paused"

    # Working days left on Thursday 09-25: 09-26, 09-28 (make-up Sunday), 09-29, 09-30,
    # 10-09, 10-10, 10-11 = 7. From Monday 10-20: 21, 22, 23, 24, 27, 28, 29.
    assert resume_due_pauses(local(2025, 10, 19, 23, 59)) == 0
    assert resume_due_pauses(local(2025, 10, 20, 0, 1)) == 1
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.state == "handling" and appeal.due_at == appeal.sla_due_at == local(2025, 10, 29, 23, 59, 59)
    event = db.session.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)).all()[-1]
    assert (event.action, event.actor_id, event.payload["auto"]) == ("resume", None, True)
    assert appeal.pauses[0].status == "ended" and appeal.pauses[0].due_at_resumed == appeal.due_at
    assert resume_due_pauses(local(2025, 10, 20, 0, 2)) == 0  # once


def test_a_clock_time_deadline_keeps_its_hours_and_a_card_survives_the_pause(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    appeal = _in_hand(users, local(2026, 11, 24, 9), urgency="紧急")
    assert appeal.due_at == local(2026, 11, 25, 9)
    perform(
        appeal.id, "supervise", {"level": "yellow", "note": "请加快"}, users["supervisor"], at=local(2026, 11, 24, 10)
    )
    perform(appeal.id, "request_pause", pause_request(), street, at=local(2026, 11, 24, 14))
    perform(appeal.id, "approve_pause", {}, users["supervisor"], at=local(2026, 11, 24, 15))  # 18 hours left
    # The unit resumes it by hand, early: it goes back under its card, with its 18 hours.
    appeal = perform(appeal.id, "resume", {}, street, at=local(2026, 11, 26, 10))
    assert appeal.state == "supervised" and appeal.supervision_level == "yellow"
    assert appeal.due_at == local(2026, 11, 27, 4)
    assert appeal.pauses[0].resumed_by_id == street.id


def test_an_appeal_late_when_paused_stays_as_late(ctx):
    users = accounts()
    appeal = _in_hand(users, local(2026, 11, 24, 9), urgency="紧急")
    perform(appeal.id, "request_pause", pause_request(), users[STREET_HANDLER], at=local(2026, 11, 24, 10))
    # Approved two hours after the deadline passed.
    perform(appeal.id, "approve_pause", {}, users["supervisor"], at=local(2026, 11, 25, 11))
    appeal = perform(appeal.id, "resume", {}, users["supervisor"], at=local(2026, 11, 27, 9))
    assert appeal.due_at == local(2026, 11, 27, 7)


def test_requests_are_checked_and_decided_by_the_supervisors_above(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    at = local(2026, 11, 24, 9)
    appeal = _in_hand(users, at)
    for resume_on, refusal in (("2026-11-24", "应晚于今天"), ("2027-03-01", "最长挂起90天")):
        with pytest.raises(BadRequest, match="预计恢复日期") as error:
            perform(appeal.id, "request_pause", {**pause_request(), "resume_on": resume_on}, street, at=at)
        assert refusal in error.value.fields["resume_on"]
    with pytest.raises(BadRequest, match="挂起类型"):
        perform(appeal.id, "request_pause", {**pause_request(), "kind": "想休息"}, street, at=at)
    perform(appeal.id, "request_pause", pause_request(), street, at=at)
    with pytest.raises(Forbidden):
        perform(appeal.id, "approve_pause", {}, street, at=at)  # not its own request
    appeal = perform(appeal.id, "reject_pause", {"note": "请按期办结"}, users[f"u{DISTRICT}"], at=at)
    assert appeal.state == "handling" and appeal.pauses[0].status == "rejected" and not _sms(appeal.id, "sms.paused")
    told = db.session.scalars(select(Notification.title).where(Notification.unit_id == street.unit_id)).all()
    assert any(t.startswith("挂起申请被驳回") for t in told)
    # A reply ends a request still waiting.
    perform(appeal.id, "request_pause", pause_request(), street, at=at)
    appeal = perform(appeal.id, "reply", {"result": "已办结", "resolved": "解决"}, street, at=at)
    assert appeal.pauses[1].status == "withdrawn"


def test_pages_ask_decide_show_and_resume_a_pause(api):
    appeal = api.appeal_in("handling")
    ref = appeal["id"]
    page = f"/appeals/{ref}"
    handler = Browser(api.app, STREET_HANDLER)
    assert "申请挂起" in handler.get(page)
    handler.submit(f"{page}/actions/request_pause", page, pause_request(days=10))
    supervisor = Browser(api.app, "supervisor")
    shown = supervisor.get(page)
    assert "申请挂起（等待市民）" in shown and "批准挂起" in shown and "待审批：等待市民" in shown
    supervisor.submit(f"{page}/actions/approve_pause", page, {})
    shown = handler.get(page)
    assert "挂起中不计时" in shown and "恢复办理" in shown
    detail = api.appeal(ref)
    assert detail["state"] == "paused" and detail["pause"]["status"] == "active" and detail["sla"]["status"] is None
    # Neither on time nor overdue: the lists by SLA status leave it out.
    for status in ("on_time", "warning", "overdue"):
        listed = api.get("/api/v1/appeals", "dispatcher", query={"sla": status}, expect=200).get_json()["items"]
        assert ref not in [a["id"] for a in listed]
    handler.submit(f"{page}/actions/resume", page, {})
    assert api.appeal(ref)["state"] == "handling" and api.appeal(ref)["pause"] is None


def test_the_citizen_sees_the_pause_on_the_tracking_page(api):
    appeal = api.appeal_in("paused")
    with api.app.app_context():
        code = db.session.get(Appeal, appeal["id"]).query_code
    status = api.get(f"/api/v1/reports/{appeal['number']}", None, query={"query_code": code}, expect=200).get_json()
    assert status["stage"] == "暂缓办理" and status["expected_at"] is None
    assert status["milestones"][-1]["text"].startswith("暂缓办理（等待市民），预计")


def test_the_approval_queue_lists_the_requests_each_supervisor_decides(api):
    paused = api.appeal_in("handling")
    api.act(paused["id"], "request_pause", STREET_HANDLER, pause_request())
    long_cycle = api.appeal_in("handling")
    body = {"working_days": 20, "reason": "管网改造", "long_cycle": True}
    api.act(long_cycle["id"], "request_extension", STREET_HANDLER, body)
    api.appeal_in("handling")  # nothing asked

    def queue(user: str) -> str:
        return Browser(api.app, user).get("/approvals")

    centre, district = queue("supervisor"), queue(f"u{DISTRICT}")
    assert paused["number"] in centre and long_cycle["number"] in centre and "共 2 件" in centre
    assert "待审批：挂起（等待市民）" in centre and "待审批：长周期延期20个工作日" in centre  # what each waits for
    # The dashboard counts each desk's queue as its list counts it.
    board = Browser(api.app, "supervisor").get("/dashboard")
    assert 'data-queue="appeals.approvals">待审批 <strong>2</strong>' in board
    district_board = Browser(api.app, f"u{DISTRICT}").get("/dashboard")
    assert 'data-queue="appeals.approvals">待审批 <strong>1</strong>' in district_board
    assert paused["number"] in district and long_cycle["number"] not in district  # 长周期: the centre's
    Browser(api.app, "operator").get("/approvals", expect=403)
    listed = api.get("/api/v1/appeals", "supervisor", query={"awaiting": "decision"}, expect=200).get_json()
    assert {a["id"] for a in listed["items"]} == {paused["id"], long_cycle["id"]}
