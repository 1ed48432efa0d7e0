"""The pages: sign-in, intake, the list, and the appeal page with exactly the buttons the
user may press; forms carry CSRF tokens and keep what was typed when refused."""

from __future__ import annotations

import re

import pytest

from tests.helpers import STREET, STREET_HANDLER, ApiClient, Browser


@pytest.fixture
def api(sqlite_app):
    return ApiClient(sqlite_app)


def buttons(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_login_required_and_bad_password(sqlite_app):
    client = sqlite_app.test_client()
    resp = client.get("/appeals")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"username": "operator", "password": "nope", "csrf_token": Browser.csrf(page)})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(sqlite_app):
    browser = Browser(sqlite_app, "operator")
    resp = browser.client.post("/appeals/new", data={"title": "x"})
    assert resp.status_code == 400 and "表单已过期" in resp.get_data(as_text=True)


def test_intake_form_keeps_input_on_error_then_registers(sqlite_app):
    browser = Browser(sqlite_app, "operator")
    form = {
        "type": "投诉",
        "category": "010101",
        "title": "占道经营",
        "content": "门口摊贩占道",
        "citizen_name": "李女士",
        "citizen_phone": "1381234",
        "address": "和平区太原北街1号",
    }
    resp = browser.submit("/appeals/new", "/appeals/new", form, expect=400)
    html = resp.get_data(as_text=True)
    assert "不是有效的大陆手机号" in html and 'value="李女士"' in html and "门口摊贩占道" in html
    resp = browser.submit("/appeals/new", "/appeals/new", form | {"citizen_phone": "13812345678"})
    # The browser asks for a missing icon before the page it was sent to: the 404 page must
    # not take the page's "已受理" with it.
    assert browser.client.get("/favicon.ico").status_code == 404
    detail = browser.get(resp.headers["Location"])
    assert "已受理，工单编号" in detail and "占道经营" in detail and "13812345678" in detail
    assert buttons(detail) == ["dispatch", "answer", "merge", "link_repeat", "void"]


@pytest.mark.parametrize("seen_minutes_ago", [0, 2])
def test_a_background_fetch_answered_after_the_form_does_not_take_its_flash(sqlite_app, seen_minutes_ago):
    """The console asks for similar appeals as the operator types; when such a fetch is
    answered after the form it overlapped was (Alt+N right after typing), its answer used
    to write back the session cookie it was sent with, and the next page lost "已受理" and
    the number. An answer that changes nothing in the session now writes no cookie, and a
    background fetch never refreshes the session's idle clock (which is due once a minute:
    the page was loaded two minutes ago), so its answer changes nothing."""
    import time

    browser = Browser(sqlite_app, "operator")
    form = {"type": "投诉", "category": "010101", "title": "占道经营", "content": "门口摊贩占道",
            "citizen_phone": "13812345678", "address": "和平区太原北街1号"}  # fmt: skip
    page = browser.get("/appeals/new")
    with browser.client.session_transaction() as session:
        session["seen_at"] = time.time() - seen_minutes_ago * 60
    fetch = sqlite_app.test_client()  # the page's fetch, sent with the cookie of that moment
    fetch.set_cookie("session", browser.client.get_cookie("session").value)
    sent = browser.client.post("/appeals/new", data={"csrf_token": browser.csrf(page), "then": "next", **form})
    assert sent.status_code == 302
    answered = fetch.get(
        "/api/v1/appeals/similar", query_string={"title": "占道经营"}, headers={"Sec-Fetch-Mode": "cors"}
    )
    assert answered.status_code == 200
    for cookie in answered.headers.getlist("Set-Cookie"):  # the browser stores what came last
        name, value = cookie.split(";")[0].split("=", 1)
        browser.client.set_cookie(name, value)
    assert "已受理，工单编号" in browser.get(sent.headers["Location"])


def test_exactly_the_buttons_this_user_may_press(sqlite_app, api):
    appeal = api.appeal_in("dispatched")
    path = f"/appeals/{appeal['id']}"
    assert buttons(Browser(sqlite_app, STREET_HANDLER).get(path)) == ["redispatch", "return", "sign"]
    assert buttons(Browser(sqlite_app, "supervisor").get(path)) == ["supervise"]
    assert buttons(Browser(sqlite_app, "u210102").get(path)) == ["supervise"]
    assert buttons(Browser(sqlite_app, "dispatcher").get(path)) == []
    Browser(sqlite_app, "u210103001").get(path, expect=404)


def test_walking_the_loop_with_forms(sqlite_app, api):
    appeal = api.create()
    path = f"/appeals/{appeal['id']}"
    street = api.unit_id(STREET)

    def act(user: str, action: str, data: dict) -> str:
        browser = Browser(sqlite_app, user)
        version = re.search(r'name="version" value="(\d+)"', browser.get(path)).group(1)
        resp = browser.submit(f"{path}/actions/{action}", path, {"version": version, **data})
        return browser.get(resp.headers["Location"])

    assert "工单状态为「转办」" in act("dispatcher", "dispatch", {"unit_id": street})
    assert "工单状态为「办理」" in act(STREET_HANDLER, "sign", {})
    assert "工单状态为「反馈」" in act(STREET_HANDLER, "reply", {"result": "已清理", "resolved": "解决"})
    assert "工单状态为「回访」" in act("dispatcher", "approve_reply", {"public_reply": "已清理完毕"})
    assert "工单状态为「监督」" in act(
        "visitor", "visit", {"reached": "true", "resolved": "解决", "satisfaction": "满意", "contacted": "true"}
    )
    html = act("supervisor", "audit", {"passed": "true"})
    assert "工单状态为「评价」" in html and buttons(html) == []
    assert html.count("<li>") >= 7  # the timeline


def test_refused_action_form_keeps_what_was_typed(sqlite_app, api):
    appeal = api.appeal_in("dispatched")
    path = f"/appeals/{appeal['id']}"
    browser = Browser(sqlite_app, STREET_HANDLER)
    resp = browser.submit(f"{path}/actions/return", path, {"reason": "不属于街道职责"}, expect=400)
    html = resp.get_data(as_text=True)
    assert "不属于街道职责" in html and '<details open data-action="return">' in html and "必填" in html


def test_stale_page_gets_409(sqlite_app, api):
    appeal = api.appeal_in("dispatched")
    path = f"/appeals/{appeal['id']}"
    browser = Browser(sqlite_app, STREET_HANDLER)
    page = browser.get(path)
    api.act(appeal["id"], "sign", STREET_HANDLER)
    resp = browser.client.post(
        f"{path}/actions/redispatch",
        data={
            "csrf_token": Browser.csrf(page),
            "version": str(appeal["version"]),
            "unit_id": str(api.unit_id(f"{STREET}001")),
        },
    )
    assert resp.status_code == 409 and "旧版本" in resp.get_data(as_text=True)


def test_list_page_filters_and_unit_inbox(sqlite_app, api):
    api.appeal_in("handling", title="路灯不亮晚上出行不便")
    api.appeal_in("accepted", title="咨询公租房")
    html = Browser(sqlite_app, "dispatcher").get("/appeals?state=handling")
    assert "路灯不亮" in html and "咨询公租房" not in html
    inbox = Browser(sqlite_app, STREET_HANDLER).get(
        f"/appeals?unit={api.unit_id(STREET)}&state=dispatched,handling,supervised"
    )
    assert "路灯不亮" in inbox and "共 1 件" in inbox
    assert "筛选条件有误" in Browser(sqlite_app, "dispatcher").get("/appeals?per_page=0")


def test_only_intake_staff_see_the_intake_form(sqlite_app):
    Browser(sqlite_app, "visitor").get("/appeals/new", expect=403)
    assert "登记诉求" not in Browser(sqlite_app, STREET_HANDLER).get("/appeals")


def test_logout(sqlite_app):
    browser = Browser(sqlite_app, "operator")
    browser.submit("/logout", "/appeals", {})
    assert browser.client.get("/appeals").status_code == 302
