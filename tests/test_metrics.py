"""Assessment: the rates per main unit from what really happened, the
composite with its red-card deduction, and who may see which units."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.extensions import db
from hotline.grid.models import Unit
from tests.helpers import STREET, STREET_HANDLER, appeal_data


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _walk(t0, late: bool, resolved: str, satisfaction: str, red: bool = False) -> None:
    """One appeal handled by the street: on time, or late at every step."""
    street = db.session.scalar(select(Unit.id).where(Unit.code == STREET))
    days = (lambda n: t0 + timedelta(days=n)) if late else (lambda n: t0 + timedelta(hours=n))
    appeal = create_appeal(appeal_data(), _user("operator"), at=t0)
    perform(appeal.id, "dispatch", {"unit_id": street}, _user("dispatcher"), at=t0)
    perform(appeal.id, "sign", {}, _user(STREET_HANDLER), at=days(5))
    perform(appeal.id, "contact", {"method": "电话", "note": "已联系"}, _user(STREET_HANDLER), at=days(6))
    if red:
        perform(appeal.id, "supervise", {"level": "red", "note": "超期"}, _user("supervisor"), at=days(6))
    perform(appeal.id, "reply", {"result": "已处理", "resolved": resolved}, _user(STREET_HANDLER), at=days(25))
    perform(appeal.id, "approve_reply", {}, _user("dispatcher"), at=days(26))
    perform(
        appeal.id,
        "visit",
        {"reached": True, "resolved": resolved, "satisfaction": satisfaction, "contacted": True},
        _user("visitor"),
        at=days(27),
    )


@pytest.fixture
def scored(ctx):
    t0 = now() - timedelta(days=40)
    _walk(t0, late=False, resolved="解决", satisfaction="满意")
    _walk(t0, late=True, resolved="部分解决", satisfaction="基本满意", red=True)
    db.session.remove()
    return (t0 - timedelta(days=1)).date().isoformat()


def test_rates_and_composite_follow_the_definitions(api, scored):
    body = api.get("/api/v1/metrics", "supervisor", query={"start": scored}, expect=200).get_json()
    street = next(i for i in body["items"] if i["unit"]["code"] == STREET)
    assert street["appeals"] == 2
    assert {k: street[k]["value"] for k in ("signing", "response", "on_time", "resolution", "satisfaction")} == {
        "signing": 0.5,
        "response": 0.5,
        "on_time": 0.5,
        "resolution": 0.75,
        "satisfaction": 0.9,
    }
    assert street["red_cards"] == 1
    # 100 × (30% × 0.5 + 35% × 0.75 + 35% × 0.9) − 2 points for the red card
    assert street["composite"] == pytest.approx(70.75)
    assert body["weights"] == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}


def test_the_period_decides_what_counts(api, scored):
    later = (now() - timedelta(days=5)).date().isoformat()
    body = api.get("/api/v1/metrics", "supervisor", query={"start": later}, expect=200).get_json()
    assert all(i["unit"]["code"] != STREET for i in body["items"])


def test_a_unit_sees_only_its_own_subtree(api, scored):
    own = api.get("/api/v1/metrics", f"u{STREET[:6]}", query={"start": scored}, expect=200).get_json()
    assert [i["unit"]["code"] for i in own["items"]] == [STREET]
    other = api.get("/api/v1/metrics", "u210103", query={"start": scored}, expect=200).get_json()
    assert other["items"] == []
    api.get("/api/v1/metrics", "operator", expect=403)
    api.get("/api/v1/metrics", STREET_HANDLER.replace(STREET, f"{STREET}001001"), expect=403)


def test_level_filter_and_bad_periods(api, scored):
    districts = api.get(
        "/api/v1/metrics", "supervisor", query={"start": scored, "level": "district"}, expect=200
    ).get_json()
    assert districts["items"] == []
    assert (
        "end"
        in api.get(
            "/api/v1/metrics", "supervisor", query={"start": "2026-05-01", "end": "2026-04-01"}, expect=400
        ).get_json()["error"]["fields"]
    )
    assert (
        "end"
        in api.get(
            "/api/v1/metrics", "supervisor", query={"start": "2024-01-01", "end": "2026-01-01"}, expect=400
        ).get_json()["error"]["fields"]
    )


def test_the_page_shows_the_table(app, scored):
    from tests.helpers import Browser

    html = Browser(app, "supervisor").get(f"/metrics?start={scored}")
    assert "考核指标" in html and f'data-unit="{STREET}"' in html and "70.75" in html


def test_contact_is_taken_by_the_handling_unit_after_signing(api):
    appeal = api.appeal_in("dispatched")
    body = {"method": "上门", "note": "上门核实"}
    api.act(appeal["id"], "contact", STREET_HANDLER, body, expect=409)  # not signed yet
    api.act(appeal["id"], "sign", STREET_HANDLER)
    api.act(appeal["id"], "contact", "dispatcher", body, expect=403)
    api.act(appeal["id"], "contact", STREET_HANDLER, {"method": "飞鸽", "note": "x"}, expect=400)
    done = api.act(appeal["id"], "contact", STREET_HANDLER, body)
    event = done["events"][-1]
    assert (event["action"], event["payload"]["first"], event["payload"]["on_time"]) == ("contact", True, True)
    again = api.act(appeal["id"], "contact", STREET_HANDLER, {"method": "电话", "note": "回访进展"})
    assert again["events"][-1]["payload"]["first"] is False and again["state"] == "handling"
