"""来电历史: typing a caller's phone shows their earlier appeals, open ones first, to the
centre's staff who deal with citizens; every look-up of a full number is audited."""

from __future__ import annotations

from sqlalchemy import select

from hotline.auth.models import User
from hotline.core.audit import AuditEntry
from hotline.core.extensions import db
from tests.helpers import STREET_HANDLER


def test_a_callers_appeals_by_phone_open_first_and_audited(api, app):
    voided = api.appeal_in("voided", citizen_phone="13812345678")
    handling = api.appeal_in("handling", citizen_phone="138 1234 5678")
    api.create(citizen_phone="13900000000")  # someone else
    newest = api.create(citizen_phone="+86 138-1234-5678")
    page = api.get("/api/v1/appeals", "operator", query={"phone": "+86 138-1234-5678"}, expect=200).get_json()
    # open ones first (newest first among them), then the closed ones
    assert [a["number"] for a in page["items"]] == [newest["number"], handling["number"], voided["number"]]
    assert [a["state_label"] for a in page["items"]][-1] == "无效"
    assert page["items"][1]["current_unit"]["name"] == "太原街街道"
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "citizen_phone")).one()
        assert entry.action == "look_up" and entry.data == {"phone": "13812345678"}
        assert entry.actor_id == db.session.scalar(select(User.id).where(User.username == "operator"))


def test_only_the_centres_citizen_facing_staff_look_callers_up(api):
    api.create()
    refused = api.get("/api/v1/appeals", STREET_HANDLER, query={"phone": "13812345678"}, expect=403).get_json()
    assert "按电话号码查询" in refused["error"]["message"]
    bad = api.get("/api/v1/appeals", "operator", query={"phone": "12345"}, expect=400).get_json()["error"]
    assert "phone" in bad["fields"] and "电话" in bad["fields"]["phone"]


def test_the_list_search_finds_a_caller_by_name_or_number(api, app):
    """Searching the list by the caller's number or name found nothing; now it does, for
    the centre's citizen-facing staff (the number look-up audited), never for a unit."""
    theirs = api.appeal_in("handling", citizen_name="赵女士", citizen_phone="13912340000")
    api.create(citizen_name="钱先生", citizen_phone="13912341111")

    def found(user: str, q: str) -> list[str]:
        page = api.get("/api/v1/appeals", user, query={"q": q}, expect=200).get_json()
        return [a["number"] for a in page["items"]]

    assert found("dispatcher", "139-1234-0000") == [theirs["number"]]
    assert found("dispatcher", "赵女士") == [theirs["number"]]
    assert found(STREET_HANDLER, "赵女士") == [] and found(STREET_HANDLER, "13912340000") == []
    with app.app_context():
        looked = db.session.scalars(select(AuditEntry.data).where(AuditEntry.entity == "citizen_phone")).all()
        assert looked == [{"phone": "13912340000"}]  # the number once; a name or a unit's search is not a look-up
