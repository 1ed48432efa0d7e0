"""A citizen's name and phone: in full only to those who need them, masked elsewhere,
never to units for a 保密 or 匿名 appeal."""

from __future__ import annotations

from tests.helpers import DISTRICT, STREET, STREET_HANDLER


def _citizen(api, ref, user):
    return api.appeal(ref, user)["citizen"]


def test_handling_unit_sees_identity_units_above_see_it_masked(api):
    appeal = api.appeal_in("handling", citizen_name="王建国", citizen_phone="13812345678")
    assert _citizen(api, appeal["id"], "visitor") == {
        "name": "王建国",
        "phone": "13812345678",
        "address": None,
        "masked": False,
    }
    assert _citizen(api, appeal["id"], STREET_HANDLER)["phone"] == "13812345678"
    above = _citizen(api, appeal["id"], f"u{DISTRICT}")
    assert above == {"name": "王**", "phone": "138****5678", "address": None, "masked": True}
    assert _citizen(api, appeal["id"], "admin")["masked"] is True


def test_confidential_appeal_is_masked_for_the_unit_it_is_about(api):
    appeal = api.appeal_in(
        "handling", is_confidential=True, citizen_phone="13912345678", citizen_address="和平区某小区3号楼"
    )
    unit_view = _citizen(api, appeal["id"], STREET_HANDLER)
    assert unit_view["masked"] and "12345678" not in str(unit_view) and unit_view["address"] is None
    assert _citizen(api, appeal["id"], "dispatcher")["address"] == "和平区某小区3号楼"
    # Nothing the unit can read carries the number: not the timeline, not the list.
    assert "13912345678" not in api.get(f"/api/v1/appeals/{appeal['id']}", STREET_HANDLER).get_data(as_text=True)
    assert "13912345678" not in api.get("/api/v1/appeals", STREET_HANDLER).get_data(as_text=True)


def test_lists_never_carry_the_phone(api):
    api.appeal_in("handling", citizen_phone="13712345678")
    for user in ("dispatcher", STREET_HANDLER):
        assert "13712345678" not in api.get("/api/v1/appeals", user, expect=200).get_data(as_text=True)


def test_a_unit_that_passed_it_on_sees_it_masked(api):
    appeal = api.appeal_in("dispatched")
    api.act(appeal["id"], "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(f"{STREET}001")})
    assert _citizen(api, appeal["id"], STREET_HANDLER)["masked"] is True
    assert _citizen(api, appeal["id"], f"u{STREET}001")["masked"] is False
