"""Account administration through the API: only admins, role/unit rules, and changes
that take effect at once (tokens of a deactivated or moved account stop working)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.core.audit import AuditEntry
from hotline.core.extensions import db
from tests.helpers import STREET

NEW = {"username": "zhang.wei", "display_name": "张伟", "roles": ["handler"], "password": "Handler2026"}


def new_account(api, **fields):
    body = {**NEW, "unit_id": api.unit_id(STREET), **fields}
    return api.post("/api/v1/users", "admin", json=body, expect=201).get_json()


def token_for(api, username, password):
    resp = api.post("/api/v1/auth/token", None, json={"username": username, "password": password})
    return resp.status_code, (resp.get_json() or {}).get("token")


def test_admin_creates_an_account_that_can_sign_in_and_work(api, app):
    account = new_account(api)
    assert account["unit"]["code"] == STREET and account["roles"] == ["handler"] and account["active"]
    status, token = token_for(api, "zhang.wei", "Handler2026")
    assert status == 201
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["username"] == "zhang.wei"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "user"))
        assert entry.action == "create" and "password" not in str(entry.data)


def test_only_admins_manage_accounts(api):
    for user in ("operator", "supervisor", f"u{STREET}"):
        api.get("/api/v1/users", user, expect=403)
        api.post("/api/v1/users", user, json={**NEW, "unit_id": api.unit_id(STREET)}, expect=403)
    api.request("GET", "/api/v1/users", None, expect=401)


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"username": "ab"}, "username"),
        ({"username": "有 空格"}, "username"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"roles": []}, "roles"),
        ({"roles": ["mayor"]}, "roles"),
        ({"roles": ["operator"]}, "roles"),  # an operator works at the centre, not in a street
        ({"unit_id": 2_000_000}, "unit_id"),
    ],
)
def test_bad_accounts_are_400_naming_the_field(api, fields, named):
    body = {**NEW, "unit_id": api.unit_id(STREET), **fields}
    fields = api.post("/api/v1/users", "admin", json=body, expect=400).get_json()["error"]["fields"]
    assert any(f == named or f.startswith(f"{named}.") for f in fields), fields
    listed = api.get("/api/v1/users", "admin", query={"q": "zhang", "per_page": 200}, expect=200).get_json()
    assert listed["total"] == 0


def test_usernames_are_unique_ignoring_case(api):
    new_account(api)
    api.post(
        "/api/v1/users", "admin", json={**NEW, "username": "Zhang.Wei", "unit_id": api.unit_id(STREET)}, expect=409
    )


def test_list_filters_and_pages(api):
    page = api.get("/api/v1/users", "admin", query={"role": "handler", "per_page": 5, "page": 2}, expect=200).get_json()
    assert page["page"] == 2 and page["per_page"] == 5 and len(page["items"]) == 5
    assert page["pages"] == -(-page["total"] // 5) and all("handler" in u["roles"] for u in page["items"])
    street = api.get("/api/v1/users", "admin", query={"unit": api.unit_id(STREET)}, expect=200).get_json()
    assert [u["username"] for u in street["items"]] == [f"u{STREET}"]
    beyond = api.get("/api/v1/users", "admin", query={"page": 999}, expect=200).get_json()
    assert beyond["items"] == [] and beyond["total"] == page["total"] + 5  # five centre accounts


def test_deactivating_signs_the_account_out_everywhere(api):
    account = new_account(api)
    _, token = token_for(api, "zhang.wei", "Handler2026")
    changed = api.request(
        "PATCH", f"/api/v1/users/{account['id']}", "admin", json={"active": False}, expect=200
    ).get_json()
    assert changed["active"] is False
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert token_for(api, "zhang.wei", "Handler2026")[0] == 401
    api.request("PATCH", f"/api/v1/users/{account['id']}", "admin", json={"active": True}, expect=200)
    assert token_for(api, "zhang.wei", "Handler2026")[0] == 201


def test_moving_an_account_checks_its_roles_and_revokes_its_tokens(api):
    account = new_account(api)
    _, token = token_for(api, "zhang.wei", "Handler2026")
    centre = api.get("/api/v1/me", "admin", expect=200).get_json()["unit"]["id"]
    refused = api.request("PATCH", f"/api/v1/users/{account['id']}", "admin", json={"unit_id": centre}, expect=400)
    assert "roles" in refused.get_json()["error"]["fields"]
    moved = api.request(
        "PATCH",
        f"/api/v1/users/{account['id']}",
        "admin",
        json={"unit_id": centre, "roles": ["operator", "visitor"]},
        expect=200,
    ).get_json()
    assert moved["roles"] == ["operator", "visitor"] and moved["unit"]["id"] == centre
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_admin_cannot_lock_everyone_out(api):
    me = api.get("/api/v1/me", "admin", expect=200).get_json()
    api.request("PATCH", f"/api/v1/users/{me['id']}", "admin", json={"active": False}, expect=409)
    api.request("PATCH", f"/api/v1/users/{me['id']}", "admin", json={"roles": ["supervisor"]}, expect=409)
    api.get("/api/v1/users", "admin", expect=200)


def test_password_reset_replaces_the_password_and_old_tokens(api):
    account = new_account(api)
    _, token = token_for(api, "zhang.wei", "Handler2026")
    api.post(f"/api/v1/users/{account['id']}/password", "admin", json={"password": "weak"}, expect=400)
    api.post(f"/api/v1/users/{account['id']}/password", "admin", json={"password": "NewSecret99"}, expect=200)
    assert token_for(api, "zhang.wei", "Handler2026")[0] == 401
    assert token_for(api, "zhang.wei", "NewSecret99")[0] == 201
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    api.get("/api/v1/users/2147483647", "admin", expect=404)


def test_an_unknown_username_costs_the_same_hash_as_a_known_one(api, monkeypatch):
    """Login answers an unknown name after checking a password hash made the way real
    passwords are hashed (scrypt in production), so its timing does not reveal which
    usernames exist; it used to check a cheap fixed pbkdf2 hash (110 ms against 2 ms)."""
    from hotline.auth import operations

    checked: list[str] = []
    real_check = operations.check_password_hash
    monkeypatch.setattr(operations, "check_password_hash", lambda h, p: checked.append(h) or real_check(h, p))
    monkeypatch.setitem(api.app.config, "HOTLINE_PASSWORD_METHOD", "pbkdf2:sha256:2000")
    api.request("POST", "/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password1"}, expect=401)
    assert [h.split("$")[0] for h in checked] == ["pbkdf2:sha256:2000"]
