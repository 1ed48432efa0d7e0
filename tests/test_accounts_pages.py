"""账号管理 for administrators: list and find accounts, create one, change its unit, roles
and state, reset its password; every refusal in Chinese naming the field by its label."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tests.helpers import STREET, Browser

NEW = {"username": "zhang.san", "display_name": "张三", "unit": STREET, "password": "abc12345", "roles": "handler"}


def _signs_in(app, username: str, password: str) -> bool:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return resp.status_code == 302


def test_only_administrators_manage_accounts(app):
    Browser(app, "supervisor").get("/admin/users", expect=403)
    listed = Browser(app, "admin").get("/admin/users?role=visitor")
    assert 'data-account="visitor"' in listed and 'data-account="operator"' not in listed
    assert "没有编码为「nosuch」的单位" in Browser(app, "admin").get("/admin/users?unit=nosuch")


def test_refusals_name_the_field_in_chinese(app):
    admin = Browser(app, "admin")
    for change, field, said in (
        ({"username": "zhang san"}, "username", "格式不正确"),
        ({"password": "abcdefgh"}, "password", "密码至少8位，且须同时包含字母和数字"),
        ({"unit": "nosuch"}, "unit", "没有这个单位"),
        ({"roles": "operator"}, "roles", "话务员只能设在热线中心"),
    ):
        page = admin.submit("/admin/users", "/admin/users", {**NEW, **change}, expect=400).get_data(as_text=True)
        assert said in page, field
        assert "pattern" not in page and "String should" not in page and "^[A-Za-z" not in page


def test_create_change_and_reset(app):
    admin = Browser(app, "admin")
    created = admin.submit("/admin/users", "/admin/users", NEW)
    page = created.headers["Location"]
    assert "已新建账号 zhang.san" in admin.get(page) and _signs_in(app, "zhang.san", "abc12345")
    taken = admin.submit("/admin/users", "/admin/users", NEW, expect=409).get_data(as_text=True)
    assert "用户名 zhang.san 已被使用" in taken

    off = {"display_name": "张三", "unit": STREET, "roles": "handler", "roles_sent": "1", "active_sent": "1"}
    admin.submit(page, page, {**off, "active": "false"})
    assert "已停用" in admin.get(page) and not _signs_in(app, "zhang.san", "abc12345")
    admin.submit(page, page, {**off, "active": "true", "roles": ["handler", "supervisor"]})
    assert "督办员" in admin.get(page)
    admin.submit(page, page, {"do": "password", "password": "new12345x"})
    assert not _signs_in(app, "zhang.san", "abc12345") and _signs_in(app, "zhang.san", "new12345x")

    own = admin.get("/admin/users?q=admin").split('data-account="admin"><td><a href="')[1].split('"')[0]
    refused = admin.submit(
        own,
        own,
        {"display_name": "系统管理员", "roles": "admin", "roles_sent": "1", "active_sent": "1", "active": "false"},
        expect=409,
    ).get_data(as_text=True)
    assert "不能停用自己的账号" in refused and _signs_in(app, "admin", PASSWORD)
