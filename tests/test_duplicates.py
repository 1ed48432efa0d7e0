"""重复诉求: similar appeals suggested with their reasons, 并单 into an open appeal at any stage
before 反馈 (the merged callers get the reply), and 关联重复件 to one already answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hotline.appeals.models import Appeal
from hotline.core.audit import AuditEntry
from hotline.core.clock import now
from hotline.core.extensions import db
from hotline.notifications.models import SmsMessage
from tests.helpers import STREET, STREET_HANDLER, Browser

PARKING = {
    "category": "040201",
    "title": "车辆长期占用消防通道",
    "content": "太原北街86号小区消防通道常年停满私家车，消防车无法进入。",
    "address": "和平区太原北街86号",
    "lat": 41.88,
    "lon": 123.32,
}


def similar(api, user="operator", expect=200, **draft) -> list[dict]:
    return api.post("/api/v1/appeals/similar", user, json=draft, expect=expect).get_json().get("items")


def numbers(items: list[dict]) -> list[str]:
    return [i["appeal"]["number"] for i in items]


def test_a_draft_finds_the_appeals_about_the_same_problem_with_reasons(api):
    master = api.create(citizen_phone="13912345678")
    elsewhere = api.create(
        category="050202", title="广场舞音响扰民", content="每晚音响很吵。", address="沈河区青年大街1号",
        lat=41.80, lon=123.45, citizen_phone="13700000000",
    )  # fmt: skip
    # Another caller, a few metres away, the same kind of problem in other words.
    found = similar(api, **PARKING | {"lat": 41.8801, "lon": 123.3201, "title": "消防通道被私家车堵死"})
    assert numbers(found) == [master["number"]]
    [candidate] = found
    assert {"同一网格", "同一分类"} <= set(candidate["reasons"])
    assert any(r.startswith("相距约") and r.endswith("米") for r in candidate["reasons"])
    assert any(r.startswith("内容相似") for r in candidate["reasons"])
    assert candidate["mergeable"] and candidate["open"] and 0.45 <= candidate["score"] <= 1
    assert elsewhere["number"] not in numbers(found)

    # The same caller about something else entirely is still worth a look; a stranger is not.
    by_phone = similar(api, citizen_phone="+86 139-1234-5678", category="040201", title="又来反映")
    assert numbers(by_phone) == [master["number"]] and "同一来电号码" in by_phone[0]["reasons"]
    with api.app.app_context():  # the caller's appeals were looked up by their number: audited
        looked = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "citizen_phone")).all()
        assert [(e.action, e.data["phone"]) for e in looked][-1] == ("look_up", "13912345678")
    assert similar(api, citizen_phone="13600000000", title="又来反映") == []
    # Without a point, the same address words find it.
    assert numbers(similar(api, category="040201", title="消防通道堵塞", address="太原北街86号")) == [master["number"]]


def test_open_ones_come_first_and_old_ones_are_left_out(api):
    closed = api.appeal_in("revisiting", **PARKING)
    opened = api.create(**PARKING)
    old = api.create(**PARKING)
    with api.app.app_context():
        db.session.execute(update(Appeal).where(Appeal.id == old["id"]).values(received_at=now() - timedelta(days=40)))
        db.session.commit()
    found = similar(api, **PARKING)
    assert numbers(found) == [opened["number"], closed["number"]]
    assert found[1]["repeatable"] and not found[1]["mergeable"] and found[1]["open"]
    # An appeal's own suggestions leave it out.
    listed = api.get(f"/api/v1/appeals/{opened['id']}/similar", "dispatcher", expect=200).get_json()["items"]
    assert numbers(listed) == [closed["number"]]


def test_only_the_centres_intake_desk_looks_for_duplicates(api):
    appeal = api.create()
    similar(api, STREET_HANDLER, expect=403)
    api.get(f"/api/v1/appeals/{appeal['id']}/similar", "visitor", expect=403)
    bad = api.post("/api/v1/appeals/similar", "operator", json={"lat": 91}, expect=400).get_json()
    assert "lat" in bad["error"]["fields"]


def test_merge_into_an_open_appeal_at_any_stage_before_the_reply(api):
    master = api.appeal_in("handling", citizen_phone="13912345678")
    new = api.create(citizen_phone="13812340000")
    merged = api.act(new["id"], "merge", "operator", {"master_id": master["id"]})
    assert merged["state"] == "merged" and merged["merged_into"] == master["number"]

    replied = api.appeal_in("replied")
    late = api.create()
    refused = api.act(late["id"], "merge", "operator", {"master_number": replied["number"]}, expect=400)
    assert "关联为重复件" in refused["error"]["fields"]["master_number"]
    neither = api.act(late["id"], "merge", "operator", {}, expect=400)
    assert neither["error"]["fields"] == {"master_number": "请填写主工单编号"}


def test_merged_callers_get_the_masters_reply(api):
    master = api.appeal_in("handling", citizen_phone="13912345678")
    other = api.create(citizen_phone="13812340000", citizen_name="钱先生")
    same_caller = api.create(citizen_phone="13912345678")
    for appeal in (other, same_caller):
        api.act(appeal["id"], "merge", "operator", {"master_id": master["id"]})
    api.act(
        master["id"], "reply", STREET_HANDLER, {"result": "已清理", "resolved": "解决", "public_reply": "通道已清理"}
    )
    api.act(master["id"], "approve_reply", "dispatcher")
    with api.app.app_context():
        replies = db.session.scalars(
            select(SmsMessage).where(SmsMessage.template == "sms.replied").order_by(SmsMessage.id)
        ).all()
        assert [(m.phone, m.appeal_id) for m in replies] == [
            ("13912345678", master["id"]),
            ("13812340000", other["id"]),
        ]
        assert other["number"] in replies[1].text and "通道已清理" in replies[1].text
    timeline = Browser(api.app, "dispatcher").get(f"/appeals/{master['id']}")
    assert other["number"] in timeline and "钱先生" in timeline and "已并入本件" in timeline
    assert timeline.count("data-merged-event") == 2  # in the timeline, at the time each was merged


def test_link_a_repeat_of_an_answered_appeal_and_handle_it_all_the_same(api):
    answered = api.appeal_in("revisiting")
    new = api.create()
    linked = api.act(new["id"], "link_repeat", "operator", {"master_id": answered["id"]})
    assert linked["state"] == "accepted"
    with api.app.app_context():
        assert db.session.get(Appeal, new["id"]).repeat_of_id == answered["id"]  # 重复诉求率 counts these
    again = api.act(new["id"], "link_repeat", "operator", {"master_id": answered["id"]}, expect=400)
    assert again["error"]["fields"]["master_number"] == "本工单已关联重复件"
    api.act(new["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})  # still handled
    still_open = api.appeal_in("handling")
    other = api.create()
    refused = api.act(other["id"], "link_repeat", "operator", {"master_id": still_open["id"]}, expect=400)
    assert "请并单" in refused["error"]["fields"]["master_id"]
    page = Browser(api.app, "dispatcher").get(f"/appeals/{answered['id']}")
    assert new["number"] in page and "重复反映" in page


def test_the_pages_suggest_and_merge_in_one_click(api):
    master = api.create(**PARKING)
    new = api.create(**PARKING | {"title": "消防通道又被堵"})
    operator = Browser(api.app, "operator")
    page = operator.get(f"/appeals/{new['id']}")
    assert f'data-candidate="{master["id"]}"' in page and "并入此件" in page
    operator.submit(f"/appeals/{new['id']}/actions/merge", f"/appeals/{new['id']}",
                    {"master_id": str(master["id"]), "version": str(new["version"])})  # fmt: skip
    assert api.appeal(new["id"])["state"] == "merged"

    # From the intake form: register, then merge into the one picked.
    form = {"type": "投诉", "channel": "电话", "urgency": "一般", **{k: str(v) for k, v in PARKING.items()},
            "citizen_phone": "13800000001", "merge_into": str(master["id"])}  # fmt: skip
    resp = operator.submit("/appeals/new", "/appeals/new", form)
    registered = api.appeal(resp.headers["Location"].rsplit("/", 1)[-1])
    assert registered["state"] == "merged" and registered["merged_into"] == master["number"]


def test_the_dispatch_queue_marks_the_likely_repeats(api):
    master = api.create(**PARKING)
    new = api.create(**PARKING | {"title": "消防通道又被堵", "citizen_phone": "13700001111"})
    lonely = api.create(category="050202", title="广场舞音响扰民", content="每晚音响很吵。", lat=41.80, lon=123.45,
                        address="沈河区青年大街1号", citizen_phone="13600002222")  # fmt: skip
    queue = Browser(api.app, "dispatcher").get("/appeals?state=accepted")
    assert "疑似重复" in queue
    assert queue.count('data-duplicates="1"') == 2 and queue.count('data-duplicates="0"') == 1  # master and new
    assert f'href="/appeals/{new["id"]}#similar"' in queue and lonely["number"] in queue
    assert "疑似重复" not in Browser(api.app, "dispatcher").get("/appeals")  # only the queue
    assert master["number"] in queue
