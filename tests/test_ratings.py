"""好差评 and 申诉复核: five rating levels with 是否联系过您; the citizen rates on the tracking
page or through the API (the first rating of a round is its visit); a 差评 goes back to 整改
with its own deadline, twice at most, then to 监督 with a 督办; a unit contests a rating or
a demand and the centre decides, the upheld ones leaving the unit's assessment."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.errors import AppError
from hotline.core.extensions import db
from hotline.demo.reference import CENTRE_CODE
from hotline.grid.models import Unit
from hotline.notifications.models import Notification
from hotline.outbox.models import OutboxMessage
from hotline.reports.operations import rate
from tests.conftest import PASSWORD, make_app
from tests.helpers import DISTRICT, STREET, STREET_HANDLER, Browser, accounts, appeal_data, local

GOOD = {"satisfaction": "非常满意", "resolved": "解决", "contacted": True}
POOR = {"satisfaction": "非常不满意", "resolved": "未解决", "contacted": False, "note": "路灯还是不亮"}


def _replied(users: dict[str, User], at: datetime) -> Appeal:
    street = users[STREET_HANDLER]
    appeal = create_appeal(appeal_data(), users["operator"], at=at)
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=at)
    perform(appeal.id, "sign", {}, street, at=at)
    perform(appeal.id, "reply", {"result": "已清理", "resolved": "解决"}, street, at=at)
    return perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=at)


def _rework(users: dict[str, User], appeal: Appeal, at: datetime) -> Appeal:
    street = users[STREET_HANDLER]
    perform(appeal.id, "reply", {"result": "已再次处理", "resolved": "解决"}, street, at=at)
    return perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=at)


def _receipt(api, appeal: dict) -> dict:
    """The appeal with the 查询码 its citizen was texted (staff answers do not carry it)."""
    with api.app.app_context():
        return {**appeal, "query_code": db.session.get_one(Appeal, appeal["id"]).query_code}


def _rating_url(appeal: dict) -> str:
    return f"/api/v1/reports/{appeal['number']}/rating?query_code={appeal['query_code']}"


def test_the_visitor_records_five_levels_and_whether_the_unit_contacted_the_citizen(api):
    appeal = api.appeal_in("revisiting")
    missing = api.act(
        appeal["id"], "visit", "visitor", {"reached": True, "satisfaction": "非常满意", "resolved": "解决"}, expect=400
    )
    assert missing["error"]["fields"] == {"contacted": "联系上诉求人时必填"}
    assert "承办单位是否联系过您" in missing["error"]["message"]
    unexplained = {"reached": True, "satisfaction": "不满意", "resolved": "未解决", "contacted": True}
    error = api.act(appeal["id"], "visit", "visitor", unexplained, expect=400)["error"]
    assert error["fields"] == {"note": "不满意时请说明原因"} and "备注" in error["message"]
    assert api.act(appeal["id"], "visit", "visitor", {**GOOD, "satisfaction": "极好", "reached": True}, expect=400)

    done = api.act(appeal["id"], "visit", "visitor", {**GOOD, "contacted": False, "reached": True})
    assert done["state"] == "auditing"
    assert {k: done["outcome"][k] for k in ("satisfaction", "resolved", "contacted", "rated_by")} == {
        "satisfaction": "非常满意",
        "resolved": "解决",
        "contacted": False,
        "rated_by": "visit",
    }
    page = Browser(api.app, "supervisor").get(f"/appeals/{appeal['id']}")
    assert "解决 · 非常满意 · 承办单位未联系过市民" in page


def test_the_citizen_rates_on_the_tracking_page_and_that_is_the_visit(api):
    appeal = _receipt(api, api.appeal_in("revisiting"))
    replied_sms = [
        m.payload
        for m in _outbox(api.app)
        if m.payload["appeal_id"] == appeal["id"] and m.payload["template"] == "sms.replied"
    ]
    assert (
        f"/track?number={appeal['number']}&query_code={appeal['query_code']}" in replied_sms[0]["context"]["track_url"]
    )

    client = api.app.test_client()
    track = f"/track?number={appeal['number']}&query_code={appeal['query_code']}"
    page = client.get(track).get_data(as_text=True)
    assert "评价办理结果" in page and 'value="非常不满意"' in page and "承办单位是否联系过您" in page
    form = {"csrf_token": Browser.csrf(page), "number": appeal["number"], "query_code": appeal["query_code"]}

    # A 差评 without a reason is sent back with the choices kept and nothing written.
    resp = client.post(
        "/track/rating", data={**form, "satisfaction": "不满意", "resolved": "未解决", "contacted": "true"}
    )
    shown = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "不满意时请说明原因" in shown and 'value="不满意" required checked' in shown
    assert api.appeal(appeal["id"])["version"] == appeal["version"]

    resp = client.post("/track/rating", data={**form, "satisfaction": "满意", "resolved": "解决", "contacted": "true"})
    assert resp.status_code == 302
    page = client.get(track).get_data(as_text=True)
    assert "感谢您的评价" in page and "您的评价：满意（解决）" in page and "评价办理结果" not in page

    after = api.appeal(appeal["id"])
    assert after["state"] == "auditing" and after["outcome"]["rated_by"] == "citizen"
    rated = after["events"][-1]
    assert (rated["action"], rated["action_label"], rated["actor"]) == ("rate", "市民评价", "市民")
    # The visitor has nothing left to call about; a second rating is refused.
    assert api.act(appeal["id"], "visit", "visitor", {**GOOD, "reached": True}, expect=409)
    again = api.post(_rating_url(appeal), None, json=GOOD, expect=409).get_json()["error"]
    assert again["message"] == "您已评价过，感谢您的反馈"
    # Staff cannot rate in the citizen's name.
    refused = api.act(appeal["id"], "rate", "visitor", GOOD, expect=403)["error"]["message"]
    assert refused == "市民评价由市民本人在查询页面或短信链接中提交"


def test_rating_waits_for_the_reply_and_needs_the_code(api):
    handling = _receipt(api, api.appeal_in("handling"))
    error = api.post(_rating_url(handling), None, json=GOOD, expect=409).get_json()["error"]
    assert error["message"] == "诉求办结答复后才能评价"
    wrong = f"/api/v1/reports/{handling['number']}/rating?query_code=000000"
    assert api.post(wrong, None, json=GOOD, expect=404)
    page = api.app.test_client().get(f"/track?number={handling['number']}&query_code={handling['query_code']}")
    assert "评价办理结果" not in page.get_data(as_text=True)
    revisiting = _receipt(api, api.appeal_in("revisiting"))
    error = api.post(_rating_url(revisiting), None, json={"satisfaction": "满意"}, expect=400).get_json()["error"]
    assert set(error["fields"]) == {"resolved", "contacted"}
    status = api.post(_rating_url(revisiting), None, json=GOOD, expect=200).get_json()
    assert status["rating"] == {"satisfaction": "非常满意", "resolved": "解决", "contacted": True, "by_citizen": True}
    assert status["can_rate"] is False and status["milestones"][-1]["text"] == "您已评价：非常满意"


def test_a_poor_rating_goes_to_rework_twice_then_to_audit_with_a_supervision(ctx):
    users = accounts()
    appeal = _replied(users, local(2026, 11, 24, 9))
    # The citizen's 差评 before any call: 整改 within 5 working days (Tue → next Tue).
    appeal = rate(appeal.number, appeal.query_code, POOR, at=local(2026, 11, 24, 10))
    assert (appeal.state, appeal.reopen_count, appeal.current_unit_id) == ("handling", 1, users[STREET_HANDLER].unit_id)
    assert appeal.due_at == local(2026, 12, 1, 23, 59, 59) and appeal.sla_due_at == appeal.due_at
    assert appeal.citizen_contacted is False and appeal.rated_via == "citizen"

    appeal = _rework(users, appeal, local(2026, 11, 26, 9))
    assert appeal.state == "revisiting"  # 整改回访
    page = Browser(ctx, "visitor").get(f"/appeals/{appeal.id}")
    assert "整改回访" in page
    second = {
        "reached": True,
        "satisfaction": "不满意",
        "resolved": "部分解决",
        "contacted": True,
        "note": "只修了一半",
    }
    appeal = perform(appeal.id, "visit", second, users["visitor"], at=local(2026, 11, 26, 15))
    assert (appeal.state, appeal.reopen_count) == ("handling", 2)

    appeal = _rework(users, appeal, local(2026, 11, 27, 9))
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    appeal = perform(appeal.id, "visit", {**POOR, "reached": True}, users["visitor"], at=local(2026, 11, 27, 15))
    assert (appeal.state, appeal.reopen_count, appeal.satisfaction) == ("auditing", 2, "非常不满意")
    event = db.session.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)).all()[-1]
    assert event.payload["supervised"] is True and event.payload["rounds"] == 2
    notices = db.session.scalars(select(Notification).where(Notification.id > before)).all()
    codes = {u.id: u.code for u in db.session.scalars(select(Unit))}
    told = {(codes[n.unit_id], n.kind, n.role, n.title.split("：")[0]) for n in notices}
    assert told == {
        (STREET, "supervise", None, "整改后仍不满意，督办"),
        (DISTRICT, "supervise", "supervisor", "下级单位整改后仍不满意"),
        (CENTRE_CODE, "audit", "supervisor", "差评整改未果，待监督"),
    }


def test_after_no_answer_the_citizen_may_still_rate_from_the_sms_link(ctx):
    users = accounts()
    appeal = _replied(users, local(2026, 11, 24, 9))
    appeal = perform(
        appeal.id, "visit", {"reached": False, "call_result": "空号"}, users["visitor"], at=local(2026, 11, 24, 10)
    )
    assert (appeal.state, appeal.satisfaction) == ("auditing", "未评价")
    appeal = rate(appeal.number, appeal.query_code, {**GOOD, "satisfaction": "基本满意"}, at=local(2026, 11, 25, 20))
    assert (appeal.state, appeal.satisfaction, appeal.rated_at) == ("auditing", "基本满意", local(2026, 11, 25, 20))
    try:
        rate(appeal.number, appeal.query_code, POOR, at=local(2026, 11, 25, 21))
    except AppError as exc:
        assert (exc.status, exc.message) == (409, "您已评价过，感谢您的反馈")
    else:
        raise AssertionError("a second rating was taken")

    other = _replied(users, local(2026, 11, 24, 9))
    other = perform(
        other.id, "visit", {"reached": False, "call_result": "空号"}, users["visitor"], at=local(2026, 11, 24, 10)
    )
    other = rate(other.number, other.query_code, POOR, at=local(2026, 11, 25, 9))
    assert (other.state, other.reopen_count) == ("handling", 1)  # a 差评 from the link is reworked too


def test_a_unit_contests_and_the_centre_decides(api):
    appeal = api.appeal_in("evaluated")
    wrong_kind = {"kind": "评价申诉", "basis": "市民评价有误"}
    error = api.act(appeal["id"], "contest", STREET_HANDLER, wrong_kind, expect=400)["error"]
    assert error["fields"] == {"kind": "只有差评（不满意、非常不满意）可以申诉"}
    unreasonable = {"kind": "不合理诉求", "basis": "诉求人要求在消防通道设专用车位，超出政策规定"}
    contested = api.act(appeal["id"], "contest", STREET_HANDLER, unreasonable)
    assert contested["state"] == "evaluated" and contested["contests"][0]["status"] == "pending"
    assert (
        api.act(appeal["id"], "contest", STREET_HANDLER, unreasonable, expect=409)["error"]["message"]
        == "已有待复核的申诉"
    )

    queue = api.get("/api/v1/appeals", "supervisor", query={"awaiting": "decision"}, expect=200).get_json()
    assert appeal["id"] in [a["id"] for a in queue["items"]]
    assert "申诉" in Browser(api.app, "supervisor").get("/approvals")
    assert api.act(appeal["id"], "uphold_contest", f"u{DISTRICT}", {"note": "同意"}, expect=403)
    assert "复核意见" in api.act(appeal["id"], "uphold_contest", "supervisor", {}, expect=400)["error"]["message"]
    scored = _street_appeals(api)
    decided = api.act(appeal["id"], "uphold_contest", "supervisor", {"note": "经核实属不合理诉求"})
    assert decided["outcome"]["assessment_excluded"] is True
    [contest] = decided["contests"]
    assert (contest["status"], contest["decision_note"], contest["unit"]["code"]) == (
        "upheld",
        "经核实属不合理诉求",
        STREET,
    )
    assert _street_appeals(api) == scored - 1
    refused = api.act(appeal["id"], "contest", STREET_HANDLER, unreasonable, expect=409)["error"]["message"]
    assert refused == "申诉已成立，该工单已不纳入考核"
    page = Browser(api.app, STREET_HANDLER).get(f"/appeals/{appeal['id']}")
    assert "申诉成立，不纳入承办单位考核" in page and "复核意见：经核实属不合理诉求" in page

    # A 差评 in 整改 may be contested; dismissed, it counts, and the decision stays on record.
    reworked = _receipt(api, api.appeal_in("revisiting"))
    api.post(_rating_url(reworked), None, json=POOR, expect=200)
    api.act(reworked["id"], "contest", STREET_HANDLER, {"kind": "评价申诉", "basis": "已按标准修复，有照片为证"})
    dismissed = api.act(reworked["id"], "dismiss_contest", "supervisor", {"note": "现场核查仍未修复"})
    assert dismissed["state"] == "handling" and dismissed["outcome"]["assessment_excluded"] is False
    assert [(c["status"], c["rating"]) for c in dismissed["contests"]] == [("dismissed", "非常不满意")]


def test_a_contest_comes_within_five_working_days_of_the_rating(ctx):
    users = accounts()
    appeal = _replied(users, local(2026, 11, 24, 9))
    perform(appeal.id, "visit", {**GOOD, "reached": True}, users["visitor"], at=local(2026, 11, 24, 10))
    basis = {"kind": "最终答复", "basis": "已作最终答复，市民仍坚持原诉求"}
    try:
        perform(appeal.id, "contest", basis, users[STREET_HANDLER], at=local(2026, 12, 2, 9))
    except AppError as exc:
        assert exc.status == 409 and exc.message == "已超过申诉时限（2026-12-01 23:59）"
    else:
        raise AssertionError("a late contest was taken")
    assert perform(appeal.id, "contest", basis, users[STREET_HANDLER], at=local(2026, 12, 1, 17)).pending_contest


def test_three_level_ratings_migrate_as_the_middle_of_five(tmp_path):
    from hotline.demo import load_reference

    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path)
    with app.app_context():
        upgrade(revision="0024_visit_attempts")
        load_reference(PASSWORD, latest=False)
        with db.engine.begin() as conn:
            for number, satisfaction, visited in (("2026010101000001", "基本满意", "'2026-01-03 10:00:00'"),
                                                  ("2026010101000002", "未评价", "NULL")):  # fmt: skip
                conn.exec_driver_sql(
                    "INSERT INTO appeals (number, query_code, channel, type, category_id, urgency, title, content, "
                    "is_confidential, is_anonymous, is_enterprise, state, designated, received_at, created_at, "
                    "updated_at, visited_at, dispatch_count, return_count, reopen_count, extension_count, "
                    "visit_attempts, satisfaction, version) "
                    f"SELECT '{number}', '123456', '电话', '投诉', id, '一般', '井盖缺失', '路口井盖丢失', 0, 0, 0, "
                    f"'auditing', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', {visited}, "
                    f"1, 0, 0, 0, 0, '{satisfaction}', 1 FROM categories WHERE code = '010202'"
                )
            conn.execute(
                text("UPDATE message_templates SET body = :old WHERE key = 'sms.replied'"),
                {
                    "old": "【12345】您反映的「{{ title }}」（工单{{ number }}）办理结果：{{ public_reply }}"
                    " 如有疑问请致电12345，查询码{{ query_code }}。"
                },
            )
        upgrade()
        rows = db.session.execute(
            text(
                "SELECT number, satisfaction, rated_via, rated_at IS NOT NULL, assessment_excluded FROM appeals ORDER BY number"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("2026010101000001", "基本满意", "visit", 1, 0),
            ("2026010101000002", "未评价", None, 0, 0),
        ]
        body = db.session.scalar(text("SELECT body FROM message_templates WHERE key = 'sms.replied'"))
        assert "请评价：{{ track_url }}" in body
        db.session.execute(text("UPDATE appeals SET satisfaction = '非常不满意' WHERE number = '2026010101000001'"))
        db.session.commit()
        downgrade(revision="0024_visit_attempts")
        assert db.session.scalar(text("SELECT satisfaction FROM appeals WHERE number = '2026010101000001'")) == "不满意"
        db.engine.dispose()


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms.send")))


def _street_appeals(api) -> int:
    scores = api.get("/api/v1/metrics", "supervisor", expect=200).get_json()["items"]
    return next((s["appeals"] for s in scores if s["unit"]["code"] == STREET), 0)
