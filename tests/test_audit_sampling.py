"""监督 by sampling and 核查 on the spot: the rated appeals a person must audit (差评, red
card, 涉企, 保密, 申诉) wait for one, the rest are drawn by their unit's share and the
others pass to 评价 by themselves; a field-check category waits first for the unit of its
place to check the answer with a photo, and a false answer (虚假办结) goes back with points
deducted."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from hotline.appeals.attachments.operations import upload
from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent, AppealOpenReach, Deduction
from hotline.auth.models import User
from hotline.core.errors import AppError
from hotline.core.extensions import db
from tests.helpers import DEPT, DISTRICT, GRID, STREET, STREET_HANDLER, ApiClient, Browser, accounts, appeal_data

GOOD = {"reached": True, "satisfaction": "满意", "resolved": "解决", "contacted": True}
STREET_LITTER = "010102"  # 乱堆乱放, under 城市管理: a field-check category by default
GRID_WORKER = f"u{GRID}"
DEPT_HANDLER = f"u{DEPT}"  # 和平区城市管理局


def _replied(users: dict[str, User], handler: str = STREET_HANDLER, **fields) -> Appeal:
    unit = users[handler]
    appeal = create_appeal(appeal_data(**fields), users["operator"])
    perform(appeal.id, "dispatch", {"unit_id": unit.unit_id}, users["dispatcher"])
    perform(appeal.id, "sign", {}, unit)
    perform(appeal.id, "reply", {"result": "已清运堆放物", "resolved": "解决"}, unit)
    return perform(appeal.id, "approve_reply", {}, users["dispatcher"])


def _litter_to_visit(app) -> int:
    """A 乱堆乱放 appeal in 民主社区第一网格, answered by the district's 城管 (its duty)."""
    with app.app_context():
        return _replied(accounts(), DEPT_HANDLER, category=STREET_LITTER).id


def _events(appeal: Appeal) -> list[AppealEvent]:
    return list(
        db.session.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id))
    )


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def _refused(fn, *args, **kw) -> AppError:
    try:
        fn(*args, **kw)
    except AppError as exc:
        return exc
    raise AssertionError("not refused")


def test_an_appeal_not_drawn_passes_to_evaluation_by_itself(ctx):
    ctx.config["HOTLINE_AUDIT_SHARE"] = 0.0
    users = accounts()
    appeal = perform(_replied(users).id, "visit", GOOD, users["visitor"])
    assert appeal.state == "evaluated" and appeal.closed_at is not None and appeal.audit_reason is None
    visit, audit = _events(appeal)[-2:]
    assert (visit.action, visit.to_state, visit.payload["audit"], visit.payload["audit_share"]) == (
        "visit",
        "auditing",
        "自动通过",
        0.0,
    )
    assert (audit.action, audit.actor_id, audit.from_state, audit.to_state) == ("audit", None, "auditing", "evaluated")
    assert audit.payload["auto"] is True and audit.note == "未抽中监督，自动通过"
    open_rows = select(func.count()).select_from(AppealOpenReach).where(AppealOpenReach.appeal_id == appeal.id)
    assert db.session.scalar(open_rows) == 0  # off every unit's list of open work


def test_what_must_be_audited_always_is(ctx):
    ctx.config["HOTLINE_AUDIT_SHARE"] = 0.0
    users = accounts()
    enterprise = _replied(
        users, is_enterprise=True, enterprise_name="沈阳某某商贸有限公司", enterprise_credit_code="91210102MA0AB1234B"
    )
    confidential = _replied(users, is_confidential=True)
    contested = _replied(users)
    perform(contested.id, "contest", {"kind": "不合理诉求", "basis": "超出政策规定"}, users[STREET_HANDLER])
    carded = create_appeal(appeal_data(), users["operator"])
    perform(carded.id, "dispatch", {"unit_id": users[STREET_HANDLER].unit_id}, users["dispatcher"])
    perform(carded.id, "supervise", {"level": "red", "note": "立即办理"}, users["supervisor"])
    perform(carded.id, "sign", {}, users[STREET_HANDLER])
    perform(carded.id, "reply", {"result": "已处理", "resolved": "解决"}, users[STREET_HANDLER])
    carded = perform(carded.id, "approve_reply", {}, users["dispatcher"])
    for appeal, reason in ((enterprise, "涉企"), (confidential, "保密"), (contested, "申诉"), (carded, "红牌督办")):
        appeal = perform(appeal.id, "visit", GOOD, users["visitor"])
        assert (appeal.state, appeal.audit_reason) == ("auditing", reason)
    unrated = perform(_replied(users).id, "visit", {"reached": False, "call_result": "空号"}, users["visitor"])
    assert unrated.state == "evaluated"  # 未评价 is audited only when the setting says so
    ctx.config["HOTLINE_AUDIT_ALWAYS"] = frozenset({"unrated"})
    unrated = perform(_replied(users).id, "visit", {"reached": False, "call_result": "空号"}, users["visitor"])
    assert (unrated.state, unrated.audit_reason) == ("auditing", "未评价")


def test_each_unit_is_drawn_by_its_own_share_or_the_nearest_above(app):
    api = ApiClient(app)
    app.config["HOTLINE_AUDIT_SHARE"] = 0.0
    assert api.get("/api/v1/audit-shares", "admin", expect=200).get_json() == {"default_percent": 0, "items": []}
    assert api.request("PUT", f"/api/v1/audit-shares/{DISTRICT}", "supervisor", json={"percent": 100}, expect=403)
    bad = api.request("PUT", f"/api/v1/audit-shares/{DISTRICT}", "admin", json={"percent": 150}, expect=400)
    assert "抽查比例" in bad.get_json()["error"]["message"]
    assert api.request("PUT", "/api/v1/audit-shares/999999", "admin", json={"percent": 10}, expect=404)
    district = api.request("PUT", f"/api/v1/audit-shares/{DISTRICT}", "admin", json={"percent": 100}, expect=200)
    assert district.get_json()["percent"] == 100 and district.get_json()["own"] is True

    drawn = api.appeal_in("revisiting")  # handled by a street of 和平区: drawn by the district's 100 %
    assert api.act(drawn["id"], "visit", "visitor", GOOD)["state"] == "auditing"
    street = api.request("PUT", f"/api/v1/audit-shares/{STREET}", "admin", json={"percent": 0}, expect=200)
    assert street.get_json()["percent"] == 0
    passed = api.appeal_in("revisiting")
    assert api.act(passed["id"], "visit", "visitor", GOOD)["state"] == "evaluated"
    removed = api.request("PUT", f"/api/v1/audit-shares/{STREET}", "admin", json={"percent": None}, expect=200)
    assert removed.get_json() == {**removed.get_json(), "percent": 100, "own": False}  # the district's again

    admin = Browser(app, "admin")
    page = admin.get("/admin/sla-policies")
    assert "监督抽查比例" in page and f'data-unit="{DISTRICT}"' in page
    admin.submit("/admin/sla-policies/audit-shares", "/admin/sla-policies", {"unit": STREET, "percent": "30"})
    assert 'value="30"' in admin.get("/admin/sla-policies")
    error = admin.submit(
        "/admin/sla-policies/audit-shares", "/admin/sla-policies", {"unit": "", "percent": "30"}, expect=400
    )
    assert "单位编码：必填" in error.get_data(as_text=True)


def test_a_field_check_category_waits_for_the_grid_to_check_on_the_spot(app):
    api = ApiClient(app)
    appeal = api.appeal(_litter_to_visit(app))
    visited = api.act(appeal["id"], "visit", "visitor", GOOD)
    assert visited["state"] == "auditing"
    refused = api.act(appeal["id"], "audit", "supervisor", {"passed": True}, expect=409)["error"]["message"]
    assert refused == "须先由民主社区第一网格现场核查，才能通过监督"

    # The grid is told, finds it in its queue and sees the whole answer.
    queue = api.get("/api/v1/appeals", GRID_WORKER, query={"awaiting": "check"}, expect=200).get_json()["items"]
    assert [a["id"] for a in queue] == [appeal["id"]]
    seen = api.appeal(appeal["id"], GRID_WORKER)
    assert seen["outcome"]["result"] == "已清运堆放物" and "check" in seen["allowed_actions"]
    assert appeal["number"] in Browser(app, GRID_WORKER).get("/checks")
    assert api.act(appeal["id"], "check", DEPT_HANDLER, {"passed": True, "note": "相符"}, expect=403)

    no_photo = api.act(appeal["id"], "check", GRID_WORKER, {"passed": True, "note": "现场已清理干净"}, expect=400)
    assert no_photo["error"]["fields"] == {"photos": "请先上传现场核查照片"}
    with app.app_context():
        upload(
            appeal["id"], _photo(), "check", db.session.scalars(select(User).where(User.username == GRID_WORKER)).one()
        )
    checked = api.act(appeal["id"], "check", GRID_WORKER, {"passed": True, "note": "现场已清理干净"})
    assert checked["state"] == "auditing"  # then drawn (the tests audit every appeal)
    assert checked["events"][-1]["payload"]["audit"] == "抽查"
    assert api.act(appeal["id"], "check", GRID_WORKER, {"passed": True, "note": "x"}, expect=409)
    assert api.act(appeal["id"], "audit", "supervisor", {"passed": True})["state"] == "evaluated"


def test_a_false_answer_found_on_the_spot_goes_back_with_points_deducted(app):
    api = ApiClient(app)
    appeal = api.appeal(_litter_to_visit(app))
    api.act(appeal["id"], "visit", "visitor", GOOD)
    with app.app_context():
        upload(
            appeal["id"], _photo(), "check", db.session.scalars(select(User).where(User.username == GRID_WORKER)).one()
        )
    back = api.act(appeal["id"], "check", GRID_WORKER, {"passed": False, "note": "堆放物仍在原处"})
    assert (back["state"], back["current_unit"]["code"], back["counters"]["reopens"]) == ("handling", DEPT, 1)
    payload = back["events"][-1]["payload"]
    assert (payload["deduction"], payload["points"]) == ("虚假办结", 5.0)

    other = api.appeal_in("auditing")
    api.act(other["id"], "audit", "supervisor", {"passed": False, "note": "答复与事实不符"})
    with app.app_context():
        rows = db.session.execute(select(Deduction.appeal_id, Deduction.reason, Deduction.points)).all()
        assert sorted(rows) == sorted([(appeal["id"], "虚假办结", 5.0), (other["id"], "虚假办结", 5.0)])

    def deductions() -> dict[str, float]:
        items = api.get("/api/v1/metrics", "supervisor", expect=200).get_json()["items"]
        return {s["unit"]["code"]: s["deductions"] for s in items if s["deductions"]}

    assert deductions() == {}  # they count with their appeals, once evaluated
    api.act(other["id"], "reply", STREET_HANDLER, {"result": "已重新处理", "resolved": "解决"})
    api.act(other["id"], "approve_reply", "dispatcher")
    api.act(other["id"], "visit", "visitor", GOOD)
    api.act(other["id"], "audit", "supervisor", {"passed": True})
    assert deductions() == {STREET: 5.0}


def test_an_unchecked_place_is_audited_by_the_centre(ctx):
    users = accounts()
    appeal = _replied(users, DEPT_HANDLER, category=STREET_LITTER, lat=None, lon=None, address="和平区某处")
    appeal = perform(appeal.id, "visit", GOOD, users["visitor"])
    assert (appeal.state, appeal.check_unit_id, appeal.audit_reason) == ("auditing", None, "现场核查")
    error = _refused(perform, appeal.id, "check", {"passed": True, "note": "x"}, users[DEPT_HANDLER])
    assert (error.status, error.message) == (409, "本件不需要或已完成现场核查")
