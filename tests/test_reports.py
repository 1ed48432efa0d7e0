"""Citizen reports (随手拍) without an account, tracking by 工单编号 + 查询码, and
Idempotency-Key on every create."""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.appeals.models import Appeal
from hotline.core.extensions import db
from hotline.notifications.models import SmsMessage
from tests.helpers import GRID, STREET, STREET_HANDLER, appeal_data

REPORT = {
    "category": "040201",
    "content": "太原北街86号小区消防通道被私家车堵死\n已经一周了",
    "lat": 41.88,
    "lon": 123.32,
    "address": "和平区太原北街86号",
    "citizen_name": "李女士",
    "citizen_phone": "13912345678",
}


def file(api, expect=201, headers=None, **fields):
    return api.post("/api/v1/reports", None, json={**REPORT, **fields}, expect=expect, headers=headers).get_json()


def track(api, number, code, expect=200):
    return api.get(f"/api/v1/reports/{number}", None, query={"query_code": code}, expect=expect).get_json()


def count(app, model=Appeal) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_citizen_files_a_report_and_gets_the_receipt_by_sms(api, app):
    receipt = file(api)
    assert receipt["number"][8:10] == "03" and receipt["stage"] == "已受理"
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.number == receipt["number"]))
        assert (appeal.channel, appeal.state, appeal.type) == ("随手拍", "accepted", "求助")
        assert appeal.title == "太原北街86号小区消防通道被私家车堵死"  # the first line
        assert appeal.grid.code == GRID  # routed by its point, waiting for the dispatcher
        sent = db.session.scalars(select(SmsMessage).where(SmsMessage.appeal_id == appeal.id)).all()
        assert len(sent) == 1 and receipt["number"] in sent[0].text and receipt["query_code"] in sent[0].text
    # the dispatcher sees it in the queue; the timeline says the citizen filed it
    detail = api.appeal(receipt["number"])
    assert detail["channel"] == "随手拍" and detail["events"][0]["actor"] == "市民"


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"category": None}, "category"),
        ({"category": "0402"}, "category"),
        ({"content": ""}, "content"),
        ({"citizen_phone": "555"}, "citizen_phone"),
        ({"citizen_phone": None}, "citizen_phone"),  # only an anonymous report may leave no number
        ({"lat": 91}, "lat"),
        ({"lon": None}, "lon"),
        ({"urgency": "特急"}, "urgency"),  # the centre judges urgency, not the form
        ({"content": "x" * 4001}, "content"),
    ],
)
def test_bad_reports_are_400_naming_the_field(api, app, fields, named):
    body = {k: v for k, v in {**REPORT, **fields}.items() if v is not None}
    error = api.post("/api/v1/reports", None, json=body, expect=400).get_json()["error"]
    assert named in error["fields"]
    assert count(app) == 0


def test_an_anonymous_report_needs_no_number(api):
    receipt = file(api, citizen_phone=None, citizen_name=None, is_anonymous=True)
    assert track(api, receipt["number"], receipt["query_code"])["stage"] == "已受理"


def test_tracking_follows_the_loop_and_shows_no_one_s_identity(api):
    receipt = file(api)
    number, code = receipt["number"], receipt["query_code"]
    status = track(api, number, code)
    assert status["stage"] == "已受理" and not status["closed"] and status["unit"] is None
    assert [m["text"] for m in status["milestones"]] == ["诉求已受理"]

    api.act(number, "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})
    api.act(number, "sign", STREET_HANDLER)
    status = track(api, number, code)
    street = api.appeal(number)["main_unit"]
    assert status["stage"] == "办理中" and status["unit"] == street["name"]
    assert status["expected_at"] == api.appeal(number)["deadlines"]["due_at"]
    assert [m["text"] for m in status["milestones"]][1:] == [
        f"已转交{street['name']}办理",
        f"{street['name']}已签收，正在办理",
    ]
    api.act(
        number,
        "reply",
        STREET_HANDLER,
        {"result": "内部记录：车主已约谈", "resolved": "解决", "public_reply": "已清理消防通道"},
    )
    assert track(api, number, code)["public_reply"] is None  # not told before the centre approves
    api.act(number, "approve_reply", "dispatcher")
    status = track(api, number, code)
    assert status["stage"] == "已办结" and status["closed"] and status["public_reply"] == "已清理消防通道"
    text = str(status)
    assert "13912345678" not in text and "李女士" not in text and "内部记录" not in text


def test_wrong_number_or_code_is_404_and_a_missing_code_400(api):
    receipt = file(api)
    wrong = f"{(int(receipt['query_code']) + 1) % 1_000_000:06d}"
    assert track(api, receipt["number"], wrong, expect=404)["error"]["message"] == "工单编号或查询码不正确"
    track(api, "2099010103000001", receipt["query_code"], expect=404)
    api.get(f"/api/v1/reports/{receipt['number']}", None, expect=400)


def test_a_phone_caller_tracks_with_the_code_from_the_sms(api):
    appeal = api.create()
    with api.app.app_context():
        code = db.session.get(Appeal, appeal["id"]).query_code
    assert track(api, appeal["number"], code)["title"] == appeal["title"]


# ------------------------------------------------------------------ Idempotency-Key


def test_a_retried_report_returns_the_first_receipt(api, app):
    first = file(api, headers={"Idempotency-Key": "phone-7f3a"})
    again = file(api, headers={"Idempotency-Key": "phone-7f3a"})
    assert again == first
    assert count(app) == 1 and count(app, SmsMessage) == 1
    other = file(api, headers={"Idempotency-Key": "phone-7f3b"})
    assert other["number"] != first["number"] and count(app) == 2


def test_a_key_reused_for_a_different_request_is_409(api, app):
    file(api, headers={"Idempotency-Key": "k-1"})
    error = file(api, expect=409, headers={"Idempotency-Key": "k-1"}, content="另一件事")["error"]
    assert "Idempotency-Key" in error["fields"] and count(app) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "键"])
def test_a_malformed_key_is_400(api, app, key):
    assert "Idempotency-Key" in file(api, expect=400, headers={"Idempotency-Key": key})["error"]["fields"]
    assert count(app) == 0


def test_appeal_creates_are_idempotent_per_user(api, app):
    headers = {"Idempotency-Key": "call-20261124-0001"}
    first = api.post("/api/v1/appeals", "operator", json=appeal_data(), headers=headers, expect=201).get_json()
    again = api.post("/api/v1/appeals", "operator", json=appeal_data(), headers=headers, expect=201).get_json()
    assert again["id"] == first["id"] and again["number"] == first["number"]
    # the same key from another operator is another request
    theirs = api.post("/api/v1/appeals", "dispatcher", json=appeal_data(), headers=headers, expect=201).get_json()
    assert theirs["id"] != first["id"] and count(app) == 2


def test_concurrent_retries_with_one_key_create_one_report(app):
    start = threading.Barrier(4)
    answers = []

    def send():
        client = app.test_client()
        start.wait()
        resp = client.post("/api/v1/reports", json=REPORT, headers={"Idempotency-Key": "same-moment"})
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in answers] == [201] * 4, answers
    assert len({body["number"] for _, body in answers}) == 1
    assert count(app) == 1 and count(app, SmsMessage) == 1


def test_the_openapi_document_declares_the_header(api):
    for path in ("/api/v1/reports", "/api/v1/appeals"):
        params = api.spec["paths"][path]["post"]["parameters"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)


# ------------------------------------------------------------------ the citizen's photos


def add_photo(api, number, code, data, expect=201):
    import io

    path = f"/api/v1/reports/{number}/photos"
    resp = api.client.post(
        path,
        query_string={"query_code": code},
        data={"file": (io.BytesIO(data), "p.jpg")},
        content_type="multipart/form-data",
    )
    api.check_against_spec("POST", path, resp)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def test_a_photo_with_gps_places_a_report_that_had_no_pin(api, app):
    from tests.test_attachments import GRID_POINT, jpeg_with_metadata

    receipt = file(api, lat=None, lon=None)
    with app.app_context():
        assert db.session.scalar(select(Appeal.grid_id).where(Appeal.number == receipt["number"])) is None
    photo = add_photo(api, receipt["number"], receipt["query_code"], jpeg_with_metadata(*GRID_POINT))
    assert photo["kind"] == "report"
    detail = api.appeal(receipt["number"])
    assert detail["lat"] == pytest.approx(GRID_POINT[0], abs=1e-5)
    assert detail["events"][-1]["action"] == "attach" and detail["events"][-1]["actor"] == "市民"
    with app.app_context():
        assert db.session.scalar(select(Appeal).where(Appeal.number == receipt["number"])).grid.code == GRID


def test_photos_need_the_code_an_open_report_and_stop_at_nine(api, monkeypatch):
    from hotline.reports import operations as reports
    from tests.test_attachments import jpeg_with_metadata

    receipt = file(api)
    number, code = receipt["number"], receipt["query_code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    add_photo(api, number, wrong, jpeg_with_metadata(), expect=404)
    add_photo(api, number, code, b"not a picture", expect=400)
    monkeypatch.setattr(reports, "MAX_PHOTOS", 2)
    add_photo(api, number, code, jpeg_with_metadata())
    add_photo(api, number, code, jpeg_with_metadata())
    assert "最多" in add_photo(api, number, code, jpeg_with_metadata(), expect=409)["error"]["message"]
    closed = file(api)
    api.act(closed["number"], "void", "dispatcher", {"reason": "无效诉求"})
    add_photo(api, closed["number"], closed["query_code"], jpeg_with_metadata(), expect=409)


# ------------------------------------------------------------------ the citizen's pages


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_report_page_files_a_report_with_photos_and_shows_the_tracking(sqlite_app):
    import io

    from tests.test_attachments import GRID_POINT, jpeg_with_metadata

    client = sqlite_app.test_client()
    form = client.get("/report").get_data(as_text=True)
    assert "随手拍" in form and 'name="photos"' in form and "使用我的当前位置" in form
    resp = client.post(
        "/report",
        data={
            "csrf_token": _csrf(form),
            "category": "040201",
            "content": "小区门口消防通道被堵",
            "type": "投诉",
            "citizen_phone": "13912345678",
            "photos": [
                (io.BytesIO(jpeg_with_metadata(*GRID_POINT)), "a.jpg"),
                (io.BytesIO(jpeg_with_metadata()), "b.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302 and "/track?" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已受理" in page and "小区门口消防通道被堵" in page and "诉求已受理" in page
    with sqlite_app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.channel == "随手拍"))
        assert appeal.grid.code == GRID  # placed by the first photo's GPS
        assert len([e for e in appeal.events if e.action == "attach"]) == 2
        number, code = appeal.number, appeal.query_code

    # The tracking page shows the citizen's own photos, to the holder of the receipt only.
    shown = re.findall(r'<img src="(/track/photos/\d+\?[^"]+)"', page)
    assert len(shown) == 2
    photo = client.get(unescape(shown[0]).replace("&size=thumb", ""))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "private, no-store"
    wrong = unescape(shown[0]).replace(f"query_code={code}", "query_code=000000")
    assert client.get(wrong).status_code == 404
    assert number in unescape(shown[0])


def test_a_refused_photo_leaves_no_report_behind(sqlite_app):
    import io

    client = sqlite_app.test_client()
    form = client.get("/report").get_data(as_text=True)
    resp = client.post(
        "/report",
        data={
            "csrf_token": _csrf(form),
            "category": "040201",
            "content": "堵了",
            "citizen_phone": "13912345678",
            "photos": [(io.BytesIO(b"%PDF-1.4 not a photo"), "a.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "不是可识别的图片" in resp.get_data(as_text=True)
    assert count(sqlite_app) == 0


def test_the_track_page_refuses_a_wrong_code(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/track?number=2026010103000001&query_code=000000").status_code == 404
    assert "查询办理进度" in client.get("/track").get_data(as_text=True)


def test_keys_are_kept_for_a_day(api, app):
    from datetime import timedelta

    from hotline.core.idempotency import IdempotencyKey, purge

    def age(hours):
        with app.app_context():
            row = db.session.get(IdempotencyKey, ("reports", "day-old"))
            row.created_at -= timedelta(hours=hours)
            db.session.commit()

    first = file(api, headers={"Idempotency-Key": "day-old"})
    age(25)
    second = file(api, headers={"Idempotency-Key": "day-old"})  # expired: a new report
    assert second["number"] != first["number"] and count(app) == 2
    assert file(api, headers={"Idempotency-Key": "day-old"}) == second
    with app.app_context():
        assert purge() == 0
    age(25)
    with app.app_context():
        assert purge() == 1
        assert db.session.get(IdempotencyKey, ("reports", "day-old")) is None
