"""12345 ↔ 110: a 转110 is voided only with its hand-over record (the 110 desk's receipt and
the reason) and later carries 110's feedback; an appeal handed from 110 enters as 110转入
with the incident number; 先行受理 keeps both references."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.helpers import STREET_HANDLER, Browser

HANDOVER = {
    "reason": "转110",
    "police_desk": "110指挥中心3号席",
    "police_incident": "J2026120200123",
    "note": "现场有人打架，已三方通话转110",
}


def test_a_hand_over_to_110_needs_the_desk_s_receipt_and_takes_its_feedback(api):
    appeal = api.appeal_in("accepted")
    error = api.act(appeal["id"], "void", "dispatcher", {"reason": "转110"}, expect=400)["error"]
    assert error["fields"] == {"police_desk": "转110时必填", "police_incident": "转110时必填", "note": "转110时必填"}
    assert "110接警席位" in error["message"] and "110警情编号" in error["message"]
    wrong = api.act(appeal["id"], "void", "dispatcher", {"reason": "无效诉求", "police_desk": "3号席"}, expect=400)
    assert wrong["error"]["fields"] == {"reason": "只有转110才填写110转接信息"}
    late = (datetime.now().astimezone() + timedelta(hours=1)).isoformat()
    future = api.act(appeal["id"], "void", "dispatcher", {**HANDOVER, "handed_at": late}, expect=400)["error"]
    assert future["fields"] == {"handed_at": "应在受理之后、现在之前"}
    assert api.appeal(appeal["id"])["state"] == "accepted"

    voided = api.act(appeal["id"], "void", "dispatcher", HANDOVER)
    assert (voided["state"], voided["void_reason"], voided["police_incident"]) == ("voided", "转110", "J2026120200123")
    [record] = voided["police_handovers"]
    assert (record["direction"], record["desk"], record["reason"], record["feedback"]) == (
        "to_110",
        "110指挥中心3号席",
        "现场有人打架，已三方通话转110",
        None,
    )
    assert record["receipt_at"] is not None

    feedback = f"/api/v1/appeals/{appeal['id']}/police-feedback"
    assert api.post(feedback, STREET_HANDLER, json={"feedback": "x"}, expect=403)
    assert api.post(feedback, "operator", json={}, expect=400).get_json()["error"]["fields"] == {"feedback": "必填"}
    told = api.post(feedback, "operator", json={"feedback": "民警已到场处置，双方已调解"}, expect=200).get_json()
    assert told["feedback"] == "民警已到场处置，双方已调解" and told["feedback_at"] is not None
    again = api.post(feedback, "operator", json={"feedback": "再次反馈"}, expect=409).get_json()["error"]
    assert again["message"] == "本件没有待登记反馈的转110记录"
    events = api.appeal(appeal["id"])["events"]
    assert [(e["action"], e["action_label"]) for e in events[-2:]] == [
        ("void", "无效/转110"),
        ("police_feedback", "110反馈"),
    ]
    page = Browser(api.app, "supervisor").get(f"/appeals/{appeal['id']}")
    assert "110 转接记录" in page and "110反馈" in page and "民警已到场处置" in page


def test_the_void_form_records_the_hand_over(api):
    appeal = api.appeal_in("accepted")
    dispatcher = Browser(api.app, "dispatcher")
    page = f"/appeals/{appeal['id']}"
    shown = dispatcher.submit(f"{page}/actions/void", page, {"reason": "转110"}, expect=400).get_data(as_text=True)
    assert "转110时必填" in shown
    dispatcher.submit(f"{page}/actions/void", page, HANDOVER)
    assert "J2026120200123" in dispatcher.get(page) and "尚未收到110反馈" in dispatcher.get(page)
    dispatcher.submit(f"/appeals/{appeal['id']}/police-feedback", page, {"feedback": "已出警"})
    assert "110反馈" in dispatcher.get(page)


def test_an_appeal_from_110_keeps_its_incident_number(api):
    error = api.create(channel="110转入", expect=400)["error"]
    assert error["fields"] == {"police_incident": "110转入和先行受理的诉求必须填写110警情编号"}
    assert api.create(channel="110转入", police_incident="J 1", expect=400)["error"]["fields"].keys() == {
        "police_incident"
    }
    handed = api.create(channel="110转入", police_incident="J2026120200456", police_desk="110指挥中心5号席")
    assert handed["number"][8:10] == "05" and handed["police_incident"] == "J2026120200456"
    [record] = handed["police_handovers"]
    assert (record["direction"], record["incident_number"], record["desk"]) == (
        "from_110",
        "J2026120200456",
        "110指挥中心5号席",
    )
    found = api.get("/api/v1/appeals", "dispatcher", query={"police_incident": "J2026120200456"}, expect=200).get_json()
    assert [a["id"] for a in found["items"]] == [handed["id"]]


def test_a_case_of_unclear_responsibility_is_held_first_with_both_references(api):
    error = api.create(held_first=True, expect=400)["error"]
    assert error["fields"] == {"police_incident": "110转入和先行受理的诉求必须填写110警情编号"}
    held = api.create(held_first=True, police_incident="J2026120200789")
    assert (held["held_first"], held["police_incident"], held["police_handovers"]) == (True, "J2026120200789", [])
    page = Browser(api.app, "dispatcher").get(f"/appeals/{held['id']}")
    assert held["number"] in page and "J2026120200789" in page and "先行受理" in page
    operator = Browser(api.app, "operator")
    form = operator.get("/appeals/new")
    assert 'name="police_incident"' in form and 'name="held_first"' in form
