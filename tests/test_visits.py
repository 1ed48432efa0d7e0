"""回访 attempts: a citizen not reached is called again on other half-days; after three (or
a 空号) the visit ends as 未联系上 — an SMS with the tracking link, then 监督 as 未评价. The
回访 queue puts the nearest visit deadline first."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.extensions import db
from hotline.outbox.models import OutboxMessage
from tests.helpers import STREET_HANDLER, Browser, accounts, appeal_data, local

MISSED = {"reached": False, "call_result": "未接通"}


def _to_visit(users: dict[str, User], at: datetime, **fields) -> Appeal:
    street = users[STREET_HANDLER]
    appeal = create_appeal(appeal_data(**fields), users["operator"], at=at)
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=at)
    perform(appeal.id, "sign", {}, street, at=at)
    perform(appeal.id, "reply", {"result": "已清理", "resolved": "解决"}, street, at=at)
    return perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=at)


def _sms(appeal_id: int, template: str) -> list[dict]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms.send")).all()
    return [r.payload for r in rows if r.payload["appeal_id"] == appeal_id and r.payload["template"] == template]


def test_three_calls_on_different_half_days_before_the_citizen_counts_as_unreached(ctx):
    users = accounts()
    visitor = users["visitor"]
    appeal = _to_visit(users, local(2026, 11, 24, 8))
    for at, attempts in (
        (local(2026, 11, 24, 9), 1),
        (local(2026, 11, 24, 11, 30), 1),  # the same morning: not another try
        (local(2026, 11, 24, 15), 2),
    ):
        appeal = perform(appeal.id, "visit", MISSED, visitor, at=at)
        assert (appeal.state, appeal.visit_attempts, appeal.satisfaction) == ("revisiting", attempts, "未评价")
        assert appeal.visited_at is None and not _sms(appeal.id, "sms.visit_missed")
    appeal = perform(appeal.id, "visit", {"reached": False, "call_result": "拒接"}, visitor, at=local(2026, 11, 25, 9))
    assert appeal.state == "auditing" and appeal.satisfaction == "未评价" and appeal.visited_at is not None
    [sms] = _sms(appeal.id, "sms.visit_missed")
    link = urlsplit(sms["context"]["track_url"])
    assert link.path == "/track" and parse_qs(link.query) == {
        "number": [appeal.number],
        "query_code": [appeal.query_code],
    }
    calls = db.session.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.action == "visit")
    ).all()
    assert [(e.payload["call_result"], e.payload["counted"], e.to_state) for e in calls] == [
        ("未接通", True, "revisiting"),
        ("未接通", False, "revisiting"),
        ("未接通", True, "revisiting"),
        ("拒接", True, "auditing"),
    ]


def test_an_empty_number_ends_the_visit_at_once_and_the_limit_is_a_setting(ctx):
    users = accounts()
    appeal = _to_visit(users, local(2026, 11, 24, 8))
    appeal = perform(appeal.id, "visit", {"reached": False, "call_result": "空号"}, users["visitor"])
    assert appeal.state == "auditing" and len(_sms(appeal.id, "sms.visit_missed")) == 1
    ctx.config["HOTLINE_VISIT_ATTEMPTS"] = 1
    appeal = _to_visit(users, local(2026, 11, 24, 8))
    assert perform(appeal.id, "visit", MISSED, users["visitor"]).state == "auditing"


def test_a_reopened_appeal_is_visited_afresh(ctx):
    users = accounts()
    street, visitor = users[STREET_HANDLER], users["visitor"]
    appeal = _to_visit(users, local(2026, 11, 24, 8))
    perform(appeal.id, "visit", MISSED, visitor, at=local(2026, 11, 24, 9))
    reopened = {
        "reached": True,
        "resolved": "未解决",
        "satisfaction": "不满意",
        "contacted": True,
        "note": "问题仍未解决",
    }
    appeal = perform(appeal.id, "visit", reopened, visitor, at=local(2026, 11, 24, 15))
    assert appeal.state == "handling"
    perform(appeal.id, "reply", {"result": "已再次清理", "resolved": "解决"}, street, at=local(2026, 11, 25, 9))
    appeal = perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=local(2026, 11, 25, 10))
    assert appeal.visit_attempts == 0 and appeal.last_visit_attempt_at is None


def test_the_visit_queue_puts_the_nearest_deadline_first(api):
    urgent = api.appeal_in("revisiting", urgency="紧急")  # 4 hours to visit
    general = api.appeal_in("revisiting")  # 1 working day, though registered later
    listed = api.get("/api/v1/appeals", "visitor", query={"state": "revisiting", "order": "due"}, expect=200)
    assert [a["id"] for a in listed.get_json()["items"]] == [urgent["id"], general["id"]]
    newest_first = api.get("/api/v1/appeals", "visitor", query={"state": "revisiting"}, expect=200)
    assert [a["id"] for a in newest_first.get_json()["items"]] == [general["id"], urgent["id"]]

    visitor = Browser(api.app, "visitor")
    assert 'href="/visits"' in visitor.get("/appeals")
    queue = visitor.get("/visits")
    assert queue.index(urgent["number"]) < queue.index(general["number"])
    # Each with its live countdown and the caller to tap and call.
    assert queue.count("data-due=") == 2 and queue.count('href="tel:13812345678"') == 2
    Browser(api.app, "dispatcher").get("/visits", expect=403)
    page = f"/appeals/{general['id']}"
    script = visitor.get(page).split("data-call-script")[1].split("</div>")[0]
    assert general["title"] in script and "承办单位是否联系过您" in script and 'href="tel:13812345678"' in script
    visitor.submit(f"{page}/actions/visit", page, {"reached": "false", "call_result": "未接通"})
    shown = visitor.get(page)
    assert "未联系上诉求人（未接通），第 1 次" in shown and "1 次未联系上" in shown
    assert api.appeal(general["id"])["counters"]["visit_attempts"] == 1


def test_the_migration_updates_the_missed_visit_sms_only_where_nobody_changed_it(tmp_path):
    from flask_migrate import upgrade

    from hotline.notifications.models import MessageTemplate
    from tests.conftest import make_app

    for edited in (False, True):
        app = make_app(f"sqlite:///{tmp_path / f'old{edited}.sqlite3'}", tmp_path)
        with app.app_context():
            upgrade(revision="0023_pauses_and_category_limits")
            if edited:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("UPDATE message_templates SET body = '自拟' WHERE key = 'sms.visit_missed'")
            upgrade()
            body = db.session.get(MessageTemplate, "sms.visit_missed").body
            db.engine.dispose()
        assert body == "自拟" if edited else "{{ track_url }}" in body
