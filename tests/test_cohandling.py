"""联办: one main unit and co-units. Each co-unit signs for and reports its part, the main
unit's reply closes it, and the timeline shows every unit's work."""

from __future__ import annotations

from tests.helpers import STREET, STREET_HANDLER

CO = "210102CG"  # 和平区城市管理局
CO2 = "210102SJ"


def test_co_units_sign_and_report_their_part(api):
    created = api.create()
    appeal = api.act(
        created["id"],
        "dispatch",
        "dispatcher",
        {"unit_id": api.unit_id(STREET), "co_unit_ids": [api.unit_id(CO), api.unit_id(CO2)]},
    )
    ref = appeal["id"]
    assert [u["code"] for u in appeal["co_units"]] == [CO, CO2]
    # One change (one version), kept as the answer said: the main unit and both co-units.
    assert appeal["version"] == created["version"] + 1 and appeal == api.appeal(ref, "dispatcher")

    seen = api.appeal(ref, f"u{CO}")
    assert seen["allowed_actions"] == ["co_sign"] and seen["citizen"]["masked"] is False
    error = api.act(ref, "co_report", f"u{CO}", {"result": "x"}, expect=409)["error"]
    assert error["message"] == "本单位尚未签收，请先签收"
    api.act(ref, "co_sign", f"u{CO}")
    assert api.act(ref, "co_sign", f"u{CO}", expect=409)["error"]["message"] == "本单位已签收"
    # The co-unit's work does not move the appeal: the main unit still has to sign.
    appeal = api.act(ref, "co_report", f"u{CO}", {"result": "已对占道车辆贴单告知"})
    assert appeal["state"] == "dispatched" and appeal["current_unit"]["code"] == STREET
    assert api.appeal(ref, f"u{CO}")["allowed_actions"] == []
    # Only co-units do co-unit work; the main unit may not.
    assert api.act(ref, "co_sign", STREET_HANDLER, expect=403)

    api.act(ref, "sign", STREET_HANDLER)
    appeal = api.act(ref, "reply", STREET_HANDLER, {"result": "联合城管清理占道车辆", "resolved": "解决"})
    assert appeal["state"] == "replied"
    reply = appeal["events"][-1]
    assert reply["payload"]["co_units_unreported"] == ["和平区市场监督管理局"]
    # The reply closed 联办: the late co-unit can no longer report.
    assert api.act(ref, "co_sign", f"u{CO2}", expect=409)

    work = [(e["action"], e["unit"]["code"]) for e in appeal["events"]]
    assert work == [
        ("create", "210100RX"),
        ("dispatch", "210100RX"),
        ("co_sign", CO),
        ("co_report", CO),
        ("sign", STREET),
        ("reply", STREET),
    ]
    assert appeal["events"][3]["payload"]["result"] == "已对占道车辆贴单告知"


def test_a_unit_that_is_not_a_co_unit_cannot_do_co_work(api):
    appeal = api.appeal_in("dispatched")
    assert api.act(appeal["id"], "co_sign", f"u{CO}", expect=404)  # cannot even see it


def test_main_unit_cannot_be_its_own_co_unit(api):
    appeal = api.create()
    error = api.act(
        appeal["id"],
        "dispatch",
        "dispatcher",
        {"unit_id": api.unit_id(STREET), "co_unit_ids": [api.unit_id(STREET)]},
        expect=400,
    )["error"]
    assert error["fields"] == {"co_unit_ids": "主办单位不能同时是协办单位"}
