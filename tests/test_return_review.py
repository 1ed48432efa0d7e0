"""派单异议审核: a unit's 退单 waits for whoever dispatched it, on a clock of its own; accepted
it goes back to them (counted), rejected it stays with the unit, its clocks as if it had
never been returned."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.escalation import sweep
from hotline.appeals.intake import create_appeal
from hotline.core.errors import Conflict
from hotline.core.extensions import db
from hotline.notifications.models import Notification
from tests.helpers import COMMUNITY, DISTRICT, STREET, STREET_HANDLER, Browser, accounts, appeal_data, local

RETURN = {"reason": "属于区城管局职责", "basis": "确责清单01-01"}


def test_a_rejected_return_stays_with_the_unit_its_clocks_as_if_never_returned(ctx):
    users = accounts()
    street = users[STREET_HANDLER]
    start = local(2026, 11, 24, 9)  # a Tuesday
    appeal = create_appeal(appeal_data(), users["operator"], at=start)
    appeal = perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=start)
    sign_due = appeal.sign_due_at
    assert sign_due == local(2026, 11, 25, 23, 59, 59)

    appeal = perform(appeal.id, "return", RETURN, street, at=local(2026, 11, 24, 10))
    # The centre holds it now, with four hours to decide; the street is still its unit.
    assert appeal.state == "returning" and appeal.current_unit is None and appeal.main_unit.code == STREET
    assert appeal.sla_due_at == local(2026, 11, 24, 14) and appeal.return_count == 0

    appeal = perform(
        appeal.id, "reject_return", {"reason": "属于街道职责", "basis": "确责清单03-02"}, users["dispatcher"],
        at=local(2026, 11, 24, 11),
    )  # fmt: skip
    assert appeal.state == "dispatched" and appeal.current_unit.code == STREET
    assert appeal.sign_due_at == appeal.sla_due_at == sign_due  # the review's hour was the street's
    assert appeal.return_count == 0 and appeal.dispatch_count == 1
    # It must handle it now: no second return, though its window is still open.
    with pytest.raises(Conflict, match="退单申请已被驳回"):
        perform(appeal.id, "return", RETURN, street, at=local(2026, 11, 24, 12))
    told = db.session.scalars(select(Notification.title).where(Notification.unit_id == street.unit_id)).all()
    assert any(t.startswith("退单被驳回") for t in told)
    perform(appeal.id, "sign", {}, street, at=local(2026, 11, 24, 12))

    # Sent on again, the next unit may return it once more.
    appeal = create_appeal(appeal_data(), users["operator"], at=start)
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=start)
    perform(appeal.id, "return", RETURN, street, at=local(2026, 11, 24, 10))
    perform(appeal.id, "reject_return", {"reason": "x", "basis": "y"}, users["dispatcher"], at=local(2026, 11, 24, 11))
    community = users[f"u{COMMUNITY}"]
    perform(appeal.id, "redispatch", {"unit_id": community.unit_id}, street, at=local(2026, 11, 24, 12))
    appeal = perform(appeal.id, "return", RETURN, community, at=local(2026, 11, 24, 13))
    assert appeal.state == "returning" and appeal.current_unit.code == STREET  # the street reviews it


def test_the_review_runs_on_its_own_clock_and_warns_the_reviewer(ctx):
    users = accounts()
    start = local(2026, 11, 24, 9)
    appeal = create_appeal(appeal_data(), users["operator"], at=start)
    perform(appeal.id, "dispatch", {"unit_id": users[STREET_HANDLER].unit_id}, users["dispatcher"], at=start)
    perform(appeal.id, "return", RETURN, users[STREET_HANDLER], at=local(2026, 11, 24, 10))
    # Two thirds of the four hours: the centre's dispatchers are warned, not the street.
    assert sweep(local(2026, 11, 24, 12, 41)).warned == 1
    warned = db.session.scalars(select(Notification).where(Notification.kind == "warning")).all()
    assert [(n.unit_id, n.role) for n in warned] == [(users["dispatcher"].unit_id, "dispatcher")]
    # Overdue, it opens no card against the street (the review is the centre's own step).
    report = sweep(local(2026, 11, 24, 15))
    assert report.yellow == 0 and db.session.get(type(appeal), appeal.id).supervision_level is None


def test_accepted_returns_go_back_to_whoever_dispatched_them_and_count(api):
    appeal = api.appeal_in("dispatched")
    ref = appeal["id"]
    api.act(ref, "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(COMMUNITY)})
    appeal = api.act(ref, "return", f"u{COMMUNITY}", RETURN)
    assert appeal["current_unit"]["code"] == STREET and appeal["main_unit"]["code"] == COMMUNITY
    # Only the street that sent it down decides, not the centre nor the district above.
    assert "approve_return" not in api.appeal(ref, "dispatcher")["allowed_actions"]
    api.act(ref, "approve_return", "dispatcher", expect=403)
    api.act(ref, "approve_return", f"u{DISTRICT}", expect=403)
    assert api.appeal(ref, STREET_HANDLER)["allowed_actions"] == ["approve_return", "reject_return"]
    appeal = api.act(ref, "approve_return", STREET_HANDLER, {"note": "由街道协调"})
    assert appeal["state"] == "dispatched" and appeal["current_unit"]["code"] == STREET
    assert appeal["counters"]["returns"] == 1
    # The street may return it to the centre in turn; the rejection is on the timeline.
    api.act(ref, "return", STREET_HANDLER, RETURN)
    reject = {"reason": "属于街道职责", "basis": "确责清单03-02"}
    api.act(ref, "reject_return", STREET_HANDLER, reject, expect=403)
    refused = api.act(ref, "reject_return", "dispatcher", {"reason": "无依据"}, expect=400)
    assert refused["error"]["fields"] == {"basis": "必填"}
    appeal = api.act(ref, "reject_return", "dispatcher", reject)
    assert appeal["state"] == "dispatched" and appeal["counters"]["returns"] == 1
    last = appeal["events"][-1]
    assert last["action"] == "reject_return" and last["payload"]["basis"] == "确责清单03-02"


def test_the_review_queue_lists_what_each_desk_decides(api):
    mine = api.appeal_in("returning", title="占道经营退单")
    below = api.appeal_in("dispatched", title="社区退回街道")
    api.act(below["id"], "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(COMMUNITY)})
    api.act(below["id"], "return", f"u{COMMUNITY}", RETURN)

    def queue(user: str) -> str:
        return Browser(api.app, user).get("/returns")

    centre, street = queue("dispatcher"), queue(STREET_HANDLER)
    assert "占道经营退单" in centre and "社区退回街道" not in centre
    assert "社区退回街道" in street and "占道经营退单" not in street
    assert "申请退单" in street and "民主社区" in street  # the unit that asks, not the reviewer
    assert "退单审核" in centre and "共 1 件" in centre
    Browser(api.app, "operator").get("/returns", expect=403)
    page = Browser(api.app, "dispatcher").get(f"/appeals/{mine['id']}")
    assert "属于区城管局职责" in page or "不属于本单位" in page  # the request, on the review forms
    assert 'data-action="approve_return"' in page and 'data-action="reject_return"' in page


def test_without_review_a_return_goes_straight_back(api):
    api.app.config["HOTLINE_RETURN_REVIEW"] = False
    appeal = api.appeal_in("dispatched")
    appeal = api.act(appeal["id"], "return", STREET_HANDLER, RETURN)
    assert appeal["state"] == "accepted" and appeal["counters"]["returns"] == 1
