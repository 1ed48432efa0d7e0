"""The JSON API around the appeals: tokens, lists and filters, reference data, OpenAPI."""

from __future__ import annotations

from openapi_spec_validator import validate as validate_spec

from tests.conftest import PASSWORD
from tests.helpers import DISTRICT, STREET, STREET_HANDLER, Browser


def test_token_login_and_logout(api):
    bad = api.request("POST", "/api/v1/auth/token", json={"username": "operator", "password": "wrong"}, expect=401)
    assert bad.get_json()["error"]["message"] == "用户名或密码错误"
    missing = api.request("POST", "/api/v1/auth/token", json={"username": "operator"}, expect=400)
    assert missing.get_json()["error"]["fields"] == {"password": "必填"}
    token = api.request(
        "POST", "/api/v1/auth/token", json={"username": "operator", "password": PASSWORD}, expect=201
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    me = api.request("GET", "/api/v1/me", headers=auth, expect=200).get_json()
    assert me["username"] == "operator" and me["roles"] == ["operator"] and me["unit"]["code"] == "210100RX"
    api.request("DELETE", "/api/v1/auth/token", headers=auth, expect=204)
    api.request("GET", "/api/v1/me", headers=auth, expect=401)


def test_list_filters_and_pagination(api):
    handling = [api.appeal_in("handling") for _ in range(3)]
    accepted = api.appeal_in("accepted", type="咨询", category="030401", title="咨询公租房")
    urgent = api.appeal_in("dispatched", urgency="紧急")

    def ids(user="dispatcher", **query):
        return [a["id"] for a in api.get("/api/v1/appeals", user, query=query, expect=200).get_json()["items"]]

    assert set(ids(state="handling")) == {a["id"] for a in handling}
    assert set(ids(state="accepted,dispatched")) == {accepted["id"], urgent["id"]}
    assert ids(type="咨询") == [accepted["id"]]
    assert ids(urgency="紧急") == [urgent["id"]]
    assert ids(category="03") == [accepted["id"]]
    assert ids(q=urgent["number"]) == [urgent["id"]]
    assert ids(q="公租房") == [accepted["id"]]
    assert set(ids(unit=api.unit_id(DISTRICT))) == {a["id"] for a in handling} | {urgent["id"]}
    assert ids(overdue="true") == [] and len(ids(overdue="false")) == 5
    assert len(ids(sla="on_time")) == 5  # the accepted one runs the centre's 派单 clock
    # The street sees what was sent to it; newest first, paged.
    page = api.get("/api/v1/appeals", STREET_HANDLER, query={"per_page": 2, "page": 2}, expect=200).get_json()
    assert (page["total"], page["pages"], page["page"], len(page["items"])) == (4, 2, 2, 2)
    first = api.get("/api/v1/appeals", STREET_HANDLER, query={"per_page": 2}, expect=200).get_json()["items"]
    assert first[0]["received_at"] >= first[1]["received_at"] >= page["items"][0]["received_at"]
    assert page["total_capped"] is False
    # Past the count limit a list says "more than" instead of counting everything, and
    # still pages beyond it.
    api.app.config["HOTLINE_LIST_COUNT_LIMIT"] = 3
    capped = api.get("/api/v1/appeals", STREET_HANDLER, query={"per_page": 2, "page": 2}, expect=200).get_json()
    assert (capped["total"], capped["total_capped"], capped["pages"]) == (3, True, 2)
    assert [a["id"] for a in capped["items"]] == [a["id"] for a in page["items"]]
    assert "超过 3 件" in Browser(api.app, STREET_HANDLER).get("/appeals")
    # A cursor (the last id seen) pages as the page numbers do, without an offset.
    cursor = api.get("/api/v1/appeals", STREET_HANDLER, query={"per_page": 2, "before": first[-1]["id"]}).get_json()
    assert [a["id"] for a in cursor["items"]] == [a["id"] for a in page["items"]]
    narrowed = api.get("/api/v1/appeals", "dispatcher", query={"state": "handling", "before": first[0]["id"]})
    assert all(a["id"] < first[0]["id"] and a["state"] == "handling" for a in narrowed.get_json()["items"])


def test_list_rejects_bad_filters(api):
    error = api.get("/api/v1/appeals", "dispatcher", query={"state": "lost", "per_page": 500}, expect=400).get_json()[
        "error"
    ]
    assert set(error["fields"]) == {"state", "per_page"}


def test_units_and_categories(api):
    units = api.get("/api/v1/units", "dispatcher", expect=200).get_json()["items"]
    by_code = {u["code"]: u for u in units}
    assert by_code["210102"]["parent_id"] == by_code["210100"]["id"] and by_code["210102"]["level"] == "district"
    assert by_code[STREET]["parent_id"] == by_code["210102"]["id"] and by_code[STREET]["name"] == "太原街街道"
    assert {u["level"] for u in units} == {"province", "city", "district", "street", "community", "grid"}
    assert [
        u["code"]
        for u in api.get("/api/v1/units", STREET_HANDLER, query={"code": "210103"}, expect=200).get_json()["items"]
    ] == ["210103"]
    children = api.get("/api/v1/units", "dispatcher", query={"parent_id": by_code[STREET]["id"]}).get_json()["items"]
    assert {u["level"] for u in children} == {"community"} and len(children) == 2

    leaves = api.get("/api/v1/categories", "dispatcher", query={"leaf": "true"}, expect=200).get_json()["items"]
    assert len(leaves) >= 40 and all(c["is_leaf"] and len(c["code"]) == 6 for c in leaves)
    assert next(c for c in leaves if c["code"] == "010101")["full_name"] == "城市管理 / 市容环境 / 占道经营"
    tops = api.get("/api/v1/categories", "dispatcher", query={"parent": ""}).get_json()["items"]
    assert len(tops) > len(leaves)  # no parent filter given: everything


def test_openapi_document_is_valid_and_covers_every_endpoint(api):
    spec = api.get("/api/v1/openapi.json", "dispatcher", expect=200).get_json()
    validate_spec(spec)
    assert spec["openapi"] == "3.1.0"
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/appeals",
        "/api/v1/appeals/{ref}",
        "/api/v1/units",
        "/api/v1/categories",
        "/api/v1/appeals/{ref}/actions/dispatch",
        "/api/v1/appeals/{ref}/actions/visit",
    ):
        assert path in paths
    visit = paths["/api/v1/appeals/{ref}/actions/visit"]["post"]
    body = visit["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][body]["properties"]) >= {"reached", "resolved", "satisfaction"}
    assert {"400", "403", "404", "409"} <= set(visit["responses"])
    from hotline.appeals.states import Act

    assert {p.rsplit("/", 1)[1] for p in paths if "/actions/" in p} == set(Act)  # every action, contact too


def test_errors_have_one_shape(api):
    for resp in (
        api.request("GET", "/api/v1/nowhere"),
        api.request("PATCH", "/api/v1/appeals"),
        api.request("GET", "/api/v1/appeals"),
    ):
        error = resp.get_json()["error"]
        assert set(error) >= {"code", "message", "fields"} and resp.status_code in (401, 404, 405)


def test_pages_session_reads_the_api_but_cannot_write_with_it(api):
    client = Browser(api.app, "dispatcher").client  # signed in to the pages
    assert client.get("/api/v1/me").get_json()["username"] == "dispatcher"
    assert client.post("/api/v1/appeals", json={}).status_code == 401
