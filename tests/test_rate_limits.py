"""Rate limits: what the issue's attacker did (600 reports to one phone in 3 s, the 查询码
guessed at 448/s, 100 wrong passwords) is refused with 429, Retry-After and a Chinese
message, while others go on; counts are shared through Redis by every worker."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import func, select

from hotline.app import create_app
from hotline.core.extensions import db
from hotline.notifications.models import SmsMessage
from hotline.open311 import clients
from tests.conftest import PASSWORD, make_app
from tests.helpers import STREET_HANDLER
from tests.test_attachments import jpeg_with_metadata

REPORT = {"category": "040201", "content": "消防通道被私家车堵死", "lat": 41.88, "lon": 123.32}
LIMITS = {
    "report.phone": "3 per hour",
    "report.address": "5 per minute",
    "track.wrong_code.number": "3 per day",
    "track.wrong_code.address": "6 per day",
    "sign_in.wrong_password.account": "3 per 15 minutes",
    "photo.address": "4 per hour",
}
CITIZEN, OTHER_CITIZEN = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.9"}


def limited_app(template, folder, **extra):
    shutil.copy(template, folder / "hotline.sqlite3")
    return make_app(
        f"sqlite:///{folder / 'hotline.sqlite3'}",
        folder,
        HOTLINE_RATE_LIMITS_ENABLED=True,
        HOTLINE_RATE_LIMITS=LIMITS,
        **extra,
    )


@pytest.fixture
def app(sqlite_template, tmp_path):
    app = limited_app(sqlite_template, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def report(client, who=CITIZEN, **fields):
    return client.post("/api/v1/reports", json={**REPORT, **fields}, environ_base=who)


def assert_refused(resp, words: str) -> None:
    assert resp.status_code == 429, resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 0
    text = resp.get_data(as_text=True)
    assert words in text and "后再试" in text


def sms_to(app, phone: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.phone == phone))


def test_one_phone_gets_a_few_receipts_not_six_hundred(app):
    client = app.test_client()
    # the same phone however it is written, from different addresses
    for phone, who in (("13912345678", CITIZEN), ("+86 139-1234-5678", OTHER_CITIZEN), ("139 1234 5678", CITIZEN)):
        assert report(client, who, citizen_phone=phone).status_code == 201
    resp = report(client, OTHER_CITIZEN, citizen_phone="13912345678")
    assert_refused(resp, "该手机号提交过于频繁")
    assert resp.get_json()["error"]["retry_after"] > 0
    assert sms_to(app, "13912345678") == 3
    assert report(client, citizen_phone="13800000001").status_code == 201  # another phone is not held up


def test_one_address_files_a_few_reports_a_minute(app):
    client = app.test_client()
    for _ in range(5):
        assert report(client, is_anonymous=True).status_code == 201  # no phone to count
    assert_refused(report(client, is_anonymous=True), "提交过于频繁")
    assert report(client, OTHER_CITIZEN, is_anonymous=True).status_code == 201


def test_the_query_code_locks_per_number_and_per_address(app):
    client = app.test_client()
    first, second = (report(client, citizen_phone=p).get_json() for p in ("13900000001", "13900000002"))
    number, code = first["number"], first["query_code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for who in (CITIZEN, OTHER_CITIZEN, CITIZEN):  # changing address does not help
        resp = client.get(f"/api/v1/reports/{number}", query_string={"query_code": wrong}, environ_base=who)
        assert resp.status_code == 404
    # now even the right code waits: the guesser cannot tell when they hit it
    resp = client.get(f"/api/v1/reports/{number}", query_string={"query_code": code}, environ_base=OTHER_CITIZEN)
    assert_refused(resp, "该工单查询码输错次数过多")
    page = client.get("/track", query_string={"number": number, "query_code": code}, environ_base=OTHER_CITIZEN)
    assert_refused(page, "查询码输错次数过多")
    # another report is still tracked
    ok = client.get(f"/api/v1/reports/{second['number']}", query_string={"query_code": second["query_code"]})
    assert ok.status_code == 200
    # guessing across numbers from one address stops at the address's allowance: CITIZEN
    # has 2 wrong codes, 4 more make the 6 a day
    for n in range(4):
        guess = {"query_code": "000000"}
        assert (
            client.get(f"/api/v1/reports/2026010103{n:06d}", query_string=guess, environ_base=CITIZEN).status_code
            == 404
        )
    resp = client.get(
        f"/api/v1/reports/{second['number']}", query_string={"query_code": second["query_code"]}, environ_base=CITIZEN
    )
    assert_refused(resp, "工单编号或查询码输错次数过多")


def test_photo_uploads_are_counted_per_address(app):
    client = app.test_client()
    receipt = report(client, citizen_phone="13900000003").get_json()
    url = f"/api/v1/reports/{receipt['number']}/photos?query_code={receipt['query_code']}"
    for _ in range(4):
        resp = client.post(url, data={"file": (io.BytesIO(jpeg_with_metadata()), "p.jpg")}, environ_base=CITIZEN)
        assert resp.status_code == 201, resp.get_json()
    assert_refused(
        client.post(url, data={"file": (io.BytesIO(jpeg_with_metadata()), "p.jpg")}, environ_base=CITIZEN),
        "上传照片过于频繁",
    )


def test_wrong_passwords_lock_the_account_on_the_api_and_the_page(app):
    client = app.test_client()
    for _ in range(3):
        resp = client.post("/api/v1/auth/token", json={"username": STREET_HANDLER, "password": "guess"})
        assert resp.status_code == 401
    right = {"username": STREET_HANDLER, "password": PASSWORD}
    assert_refused(client.post("/api/v1/auth/token", json=right), "该账号密码输错次数过多")
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", data={**right, "csrf_token": token}, environ_base=OTHER_CITIZEN)
    assert_refused(resp, "该账号密码输错次数过多")
    assert "登录" in resp.get_data(as_text=True)  # the sign-in form, with the reason on it
    # an account that does not exist is locked the same way: the answer tells nothing
    for _ in range(3):
        client.post("/api/v1/auth/token", json={"username": "nobody", "password": "guess"}, environ_base=CITIZEN)
    nobody = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"}, environ_base=CITIZEN)
    assert nobody.status_code == 429
    # other accounts sign in
    assert client.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD}).status_code == 201


def test_open311_posts_keep_the_per_phone_limit(app):
    with app.app_context():
        clients.add_client("城市App", "city-app-key")
    client = app.test_client()
    params = {"api_key": "city-app-key", "service_code": "040201", "lat": "41.88", "long": "123.32"}
    for _ in range(3):
        assert client.post("/open311/v2/requests.json", data={**params, "phone": "13900000004"}).status_code == 201
    resp = client.post("/open311/v2/requests.xml", data={**params, "phone": "13900000004"})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "该手机号提交过于频繁" in resp.get_data(as_text=True) and "<errors>" in resp.get_data(as_text=True)


def test_the_report_page_keeps_what_was_typed_when_refused(app):
    client = app.test_client()
    for _ in range(3):
        report(client, citizen_phone="13900000005")
    page = client.get("/report")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {**{k: str(v) for k, v in REPORT.items()}, "citizen_phone": "13900000005", "csrf_token": token}
    resp = client.post("/report", data=form)
    assert_refused(resp, "该手机号提交过于频繁")
    assert "消防通道被私家车堵死" in resp.get_data(as_text=True)


def test_limits_are_settings_and_a_wrong_name_stops_the_app(sqlite_template, tmp_path):
    with pytest.raises(ValueError, match=r"report\.phnoe"):
        create_app({"INSTANCE_PATH": tmp_path, "HOTLINE_RATE_LIMITS": {"report.phnoe": "1/hour"}})
    with pytest.raises(ValueError):
        create_app({"INSTANCE_PATH": tmp_path, "HOTLINE_RATE_LIMITS": {"report.phone": "often"}})


@pytest.mark.redis
def test_workers_share_their_counts_through_redis(sqlite_template, tmp_path, redis_url):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    one = limited_app(sqlite_template, tmp_path / "a", HOTLINE_REDIS_URL=redis_url)
    two = make_app(
        one.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "b",
        HOTLINE_RATE_LIMITS_ENABLED=True,
        HOTLINE_RATE_LIMITS=LIMITS,
        HOTLINE_REDIS_URL=redis_url,
    )
    assert report(one.test_client(), citizen_phone="13900000006").status_code == 201
    assert report(two.test_client(), citizen_phone="13900000006").status_code == 201
    assert report(one.test_client(), citizen_phone="13900000006").status_code == 201
    assert_refused(report(two.test_client(), citizen_phone="13900000006"), "该手机号提交过于频繁")
    for app in (one, two):
        with app.app_context():
            db.engine.dispose()


def test_every_limit_is_documented_with_its_default():
    from config import PROJECT_ROOT
    from hotline.core.throttle import LIMITS

    text = (PROJECT_ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert len(LIMITS) >= 10
    for limit in LIMITS.values():
        assert f"| `{limit.name}` | {limit.default} |" in text, limit.name


def test_reports_go_through_when_the_counts_cannot_be_reached(sqlite_template, tmp_path, caplog):
    """Redis down: the hotline keeps taking reports (and says so in the log), limits or not."""
    app = limited_app(sqlite_template, tmp_path, HOTLINE_REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    for _ in range(4):  # one more than report.phone allows
        assert report(client, citizen_phone="13900000007").status_code == 201
    assert "rate limit storage unavailable" in caplog.text
    with app.app_context():
        db.engine.dispose()
