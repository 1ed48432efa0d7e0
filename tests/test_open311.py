"""Open311 GeoReport v2 conformance: every resource in JSON and XML, the error list with
400/403/404, and what a POSTed request becomes in the loop."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from hotline.appeals.models import Appeal
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import db
from hotline.open311 import clients, feed, requests
from hotline.open311.models import Open311Client, Open311Request
from tests.helpers import GRID, STREET, STREET_HANDLER, ApiClient

KEY = "test-open311-key"
BASE = "/open311/v2"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
STREETLIGHT = "010203"  # 路灯不亮: has questions in the demo taxonomy
PARKING = "040201"  # 违章停车: a street's duty


@pytest.fixture
def client(app):
    with app.app_context():
        clients.add_client("测试客户端", KEY)
    return app.test_client()


def post(client, fmt="json", **params):
    params.setdefault("api_key", KEY)
    return client.post(f"{BASE}/requests.{fmt}", data=params)


def report(client, **params) -> dict:
    params = {
        "service_code": PARKING,
        "lat": "41.88",
        "long": "123.32",
        "description": "太原北街消防通道被私家车堵塞",
        **params,
    }
    resp = post(client, **params)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()[0]


def xml(resp) -> ElementTree.Element:
    assert resp.content_type == "text/xml; charset=utf-8"
    return ElementTree.fromstring(resp.data)


def json_errors(resp, status: int) -> list[str]:
    assert resp.status_code == status and resp.content_type.startswith("application/json")
    errors = resp.get_json()
    assert isinstance(errors, list) and errors and all(e["code"] == status for e in errors)
    return [e["description"] for e in errors]


def xml_errors(resp, status: int) -> list[str]:
    assert resp.status_code == status
    root = xml(resp)
    assert root.tag == "errors"
    assert [e.findtext("code") for e in root.findall("error")] == [str(status)] * len(root)
    return [e.findtext("description") for e in root.findall("error")]


# ------------------------------------------------------------------ discovery and services


def test_discovery_names_the_endpoint_in_both_formats(client):
    doc = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert W3C.match(doc["changeset"]) and doc["contact"]

    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_the_active_leaf_categories(client, app):
    services = client.get(f"{BASE}/services.json").get_json()
    with app.app_context():
        leaves = set(db.session.scalars(select(Category.code).where(Category.level == 3, Category.active)))
    assert {s["service_code"] for s in services} == leaves
    light = next(s for s in services if s["service_code"] == STREETLIGHT)
    assert light == {
        "service_code": STREETLIGHT,
        "service_name": "路灯不亮",
        "description": "城市管理 / 市政设施 / 路灯不亮",
        "metadata": True,
        "type": "realtime",
        "keywords": "市政设施",
        "group": "城市管理",
    }
    assert next(s for s in services if s["service_code"] == PARKING)["metadata"] is False

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(leaves)
    light_xml = next(s for s in root if s.findtext("service_code") == STREETLIGHT)
    assert light_xml.findtext("metadata") == "true" and light_xml.findtext("service_name") == "路灯不亮"


def test_service_definition_lists_the_category_questions(client):
    definition = client.get(f"{BASE}/services/{STREETLIGHT}.json").get_json()
    assert definition["service_code"] == STREETLIGHT
    pole, lamps = definition["attributes"]
    assert (pole["code"], pole["datatype"], pole["required"], pole["order"]) == ("pole_number", "string", False, 1)
    assert "values" not in pole
    assert lamps["required"] is True and lamps["variable"] is True
    assert [v["key"] for v in lamps["values"]] == ["one", "few", "many"]

    root = xml(client.get(f"{BASE}/services/{STREETLIGHT}.xml"))
    assert root.tag == "service_definition"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["pole_number", "lamps_out"]
    assert [v.findtext("name") for v in attrs[1].findall("values/value")] == ["1盏", "2至5盏", "整条路段"]


def test_unknown_or_non_leaf_service_is_404_in_the_error_list(client):
    assert "not found" in json_errors(client.get(f"{BASE}/services/999999.json"), 404)[0]
    assert "not found" in xml_errors(client.get(f"{BASE}/services/999999.xml"), 404)[0]
    json_errors(client.get(f"{BASE}/services/0102.json"), 404)  # 市政设施 is a group, not a service


def test_unknown_format_route_and_jurisdiction_are_404(client):
    json_errors(client.get(f"{BASE}/services.csv"), 404)
    json_errors(client.get(f"{BASE}/nothing.json"), 404)
    xml_errors(client.get(f"{BASE}/services.xml?jurisdiction_id=beijing.gov.cn"), 404)
    assert client.get(f"{BASE}/services.json?jurisdiction_id=shenyang.12345.gov.cn").status_code == 200


# ------------------------------------------------------------------ POST requests: refusals


def test_post_needs_a_valid_api_key(client, app):
    assert "api_key" in json_errors(post(client, api_key="", service_code=PARKING, lat="41.88", long="123.32"), 403)[0]
    xml_errors(post(client, "xml", api_key="wrong", service_code=PARKING, lat="41.88", long="123.32"), 403)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


@pytest.mark.parametrize(
    "params, status, names",
    [
        ({"lat": "41.88", "long": "123.32"}, 400, ["service_code"]),
        ({"service_code": "999999", "lat": "41.88", "long": "123.32"}, 404, ["service_code"]),
        ({"service_code": PARKING}, 400, ["lat", "address_string", "address_id"]),
        ({"service_code": PARKING, "lat": "41.88"}, 400, ["long"]),
        ({"service_code": PARKING, "lat": "north", "long": "123.32"}, 400, ["lat"]),
        ({"service_code": PARKING, "lat": "51.5", "long": "-0.12"}, 400, ["long"]),  # London: not ours
        ({"service_code": PARKING, "address_id": "999"}, 400, ["address_id"]),
        ({"service_code": PARKING, "address_string": "和平区", "phone": "12345"}, 400, ["phone"]),
        ({"service_code": PARKING, "address_string": "和平区", "media_url": "javascript:alert(1)"}, 400, ["media_url"]),
        ({"service_code": PARKING, "address_string": "和平区", "description": "长" * 4001}, 400, ["description"]),
        ({"service_code": STREETLIGHT, "address_string": "和平区"}, 400, ["attribute[lamps_out]"]),
        (
            {"service_code": STREETLIGHT, "address_string": "和平区", "attribute[lamps_out]": "all"},
            400,
            ["attribute[lamps_out]"],
        ),
        (
            {
                "service_code": STREETLIGHT,
                "address_string": "和平区",
                "attribute[lamps_out]": "one",
                "attribute[colour]": "red",
            },
            400,
            ["attribute[colour]"],
        ),
    ],
)
def test_bad_posts_are_refused_naming_the_parameter_and_write_nothing(client, app, params, status, names):
    for fmt in ("json", "xml"):
        resp = post(client, fmt, **params)
        described = json_errors(resp, status) if fmt == "json" else xml_errors(resp, status)
        for name in names:
            assert any(d.startswith(name) or name in d for d in described), (name, described)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


# ------------------------------------------------------------------ POST requests: accepted


def test_posted_request_enters_the_loop_as_an_open311_report_routed_to_its_grid(client, app):
    receipt = report(
        client,
        phone="13812345678",
        first_name="明",
        last_name="王",
        email="wang@example.com",
        device_id="ios-1",
        account_id="acct-7",
        media_url="https://img.example.com/a.jpg",
    )
    assert isinstance(receipt["service_request_id"], str) and len(receipt["service_request_id"]) == 16
    assert receipt["token"] and receipt["account_id"] == "acct-7" and "已受理" in receipt["service_notice"]
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.number == receipt["service_request_id"]))
        assert (appeal.channel, appeal.state, appeal.created_by_id) == ("Open311", "accepted", None)
        assert appeal.number[8:10] == "04"
        assert appeal.grid.code == GRID and appeal.place_unit.code == GRID
        assert (appeal.citizen_name, appeal.citizen_phone, appeal.is_anonymous) == ("王明", "13812345678", False)
        extra = db.session.get(Open311Request, appeal.id)
        assert (extra.email, extra.media_url) == ("wang@example.com", "https://img.example.com/a.jpg")
        create = appeal.events[0]
        assert create.action == "create" and create.actor_id is None
        assert create.payload["open311_client"] == "测试客户端"


def test_post_in_xml_answers_in_xml(client):
    root = xml(post(client, "xml", service_code=PARKING, lat="41.88", long="123.32"))
    assert root.tag == "service_requests"
    assert re.fullmatch(r"\d{16}", root.findtext("request/service_request_id"))
    assert re.fullmatch(r"[0-9a-f]{32}", root.findtext("request/token"))


def test_attributes_are_checked_and_kept(client, app):
    receipt = report(
        client, service_code=STREETLIGHT, **{"attribute[lamps_out]": "few", "attribute[pole_number]": "HP-0231"}
    )
    multi = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": KEY,
            "service_code": "010101",
            "address_string": "和平区太原街",
            "attribute[hours][]": ["morning", "night"],
        },
    )
    assert multi.status_code == 201, multi.get_json()
    with app.app_context():
        light = db.session.scalar(select(Appeal).where(Appeal.number == receipt["service_request_id"]))
        assert db.session.get(Open311Request, light.id).attributes == {"lamps_out": "few", "pole_number": "HP-0231"}
        stall = db.session.scalar(select(Appeal).where(Appeal.number == multi.get_json()[0]["service_request_id"]))
        assert db.session.get(Open311Request, stall.id).attributes == {"hours": ["morning", "night"]}


def test_location_by_address_id_or_address_string(client, app):
    by_unit = report(client, lat="", long="", address_id=GRID)
    by_text = report(client, lat="", long="", address_string="和平区某小区门口")
    with app.app_context():
        placed = db.session.scalar(select(Appeal).where(Appeal.number == by_unit["service_request_id"]))
        assert placed.grid.code == GRID and placed.address == "民主社区第一网格"
        unplaced = db.session.scalar(select(Appeal).where(Appeal.number == by_text["service_request_id"]))
        assert unplaced.grid_id is None and unplaced.place_note  # the centre queue, with the reason
    served = client.get(f"{BASE}/requests/{by_unit['service_request_id']}.json").get_json()[0]
    assert served["address_id"] == GRID and served["lat"] is None


def test_description_of_4000_characters_is_accepted(client):
    report(client, description="长" * 4000)


def test_chinese_text_is_byte_identical_both_ways(client):
    text = "和平区太原北街86号：路灯「不亮」& <夜里> 很黑 \"请\" 'ASAP' 🚧\n第二行"
    number = report(client, description=text)["service_request_id"]
    assert client.get(f"{BASE}/requests/{number}.json").get_json()[0]["description"] == text
    raw = client.get(f"{BASE}/requests/{number}.xml").data
    assert xml_from_bytes(raw).findtext("request/description") == text
    assert "和平区太原北街".encode() in raw  # UTF-8 itself, not character references


def xml_from_bytes(raw: bytes) -> ElementTree.Element:
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(raw)


def test_idempotency_key_makes_a_retried_post_create_nothing_new(client, app):
    params = {"api_key": KEY, "service_code": PARKING, "lat": "41.88", "long": "123.32", "description": "重试"}
    first = client.post(f"{BASE}/requests.json", data=params, headers={"Idempotency-Key": "retry-1"})
    again = client.post(f"{BASE}/requests.json", data=params, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    changed = client.post(
        f"{BASE}/requests.json", data={**params, "description": "另一件事"}, headers={"Idempotency-Key": "retry-1"}
    )
    assert "Idempotency-Key" in json_errors(changed, 400)[0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1


# ------------------------------------------------------------------ GET requests


def test_request_by_id_in_both_formats(client):
    number = report(client, media_url="https://img.example.com/b.png")["service_request_id"]
    served = client.get(f"{BASE}/requests/{number}.json").get_json()
    assert len(served) == 1 and list(served[0]) == REQUEST_FIELDS
    one = served[0]
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["service_code"] == PARKING and one["service_name"] == "违章停车"
    assert isinstance(one["lat"], float) and isinstance(one["long"], float)
    assert W3C.match(one["requested_datetime"]) and W3C.match(one["updated_datetime"])
    assert one["requested_datetime"].endswith("+08:00")
    assert one["expected_datetime"] is None  # not dispatched yet: no promise
    assert one["agency_responsible"] == "沈阳市12345政务服务便民热线中心"
    assert one["status_notes"] == "诉求已受理" and one["media_url"] == "https://img.example.com/b.png"

    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == number and request.findtext("lat") == "41.88"


def test_only_public_reports_are_served(client, app):
    api = ApiClient(app)
    phoned = api.create()["number"]  # a phone call is between the caller and the centre
    json_errors(client.get(f"{BASE}/requests/{phoned}.json"), 404)
    json_errors(client.get(f"{BASE}/requests/12345.json"), 404)
    secret = api.post(
        "/api/v1/reports",
        None,
        json={
            "category": PARKING,
            "content": "保密反映",
            "lat": 41.88,
            "lon": 123.32,
            "citizen_phone": "13912345678",
            "is_confidential": True,
        },
        expect=201,
    ).get_json()
    xml_errors(client.get(f"{BASE}/requests/{secret['number']}.xml"), 404)
    public = report(client)["service_request_id"]
    listed = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").get_json()]
    assert listed == [public]


def test_personal_data_is_never_served(client):
    report(client, phone="13812345678", first_name="明", last_name="王", email="wang@example.com")
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests.{fmt}").data.decode()
        assert "13812345678" not in body and "王明" not in body and "wang@example.com" not in body


def test_the_public_feed_rounds_the_point_and_masks_numbers_in_text(client, app):
    text = "我家门口13812345678，身份证210102199001011234，固话024-23456789，请联系"
    number = report(
        client, lat="41.881234", long="123.321987", description=text, address_string="太原北街 139 1234 5678 号"
    )["service_request_id"]
    for path in (f"{BASE}/requests.json", f"{BASE}/requests/{number}.json"):
        served = client.get(path).get_json()[0]
        assert (served["lat"], served["long"]) == (41.881, 123.322)  # about 100 m, not the door
        assert "138****5678" in served["description"] and "210***********1234" in served["description"]
        assert "024****6789" in served["description"] and "139****5678" in served["address"]
    body = client.get(f"{BASE}/requests/{number}.xml").data.decode()
    assert "13812345678" not in body and "199001011234" not in body and "41.881234" not in body
    # the staff see what the citizen gave
    detail = ApiClient(app).appeal(number)
    assert detail["lat"] == 41.881234 and "13812345678" in detail["content"]
    # what is published at all is a setting
    app.config.update(HOTLINE_OPEN311_PUBLIC_FIELDS=frozenset({"address"}), HOTLINE_OPEN311_COORDINATE_DECIMALS=2)
    served = client.get(f"{BASE}/requests/{number}.json").get_json()[0]
    assert served["description"] is None and served["lat"] is None and served["long"] is None
    assert served["address"] and served["service_code"] == PARKING


def test_status_notes_agency_and_expected_datetime_follow_the_loop(client, app):
    api = ApiClient(app)
    number = report(client)["service_request_id"]
    api.act(number, "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})
    handling = client.get(f"{BASE}/requests/{number}.json").get_json()[0]
    detail = api.appeal(number)
    assert handling["status"] == "open" and handling["agency_responsible"] == detail["main_unit"]["name"]
    assert handling["expected_datetime"] == detail["deadlines"]["due_at"]
    assert handling["status_notes"] == f"已转交{detail['main_unit']['name']}办理"
    api.act(number, "sign", STREET_HANDLER)
    api.act(
        number,
        "reply",
        STREET_HANDLER,
        {"result": "已清理通道", "resolved": "解决", "public_reply": "消防通道已清理，并安排每日巡查。"},
    )
    assert client.get(f"{BASE}/requests/{number}.json").get_json()[0]["status"] == "open"  # under review
    api.act(number, "approve_reply", "dispatcher")
    closed = client.get(f"{BASE}/requests/{number}.json").get_json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "消防通道已清理，并安排每日巡查。"
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").get_json()] == [number]
    assert client.get(f"{BASE}/requests.json?status=open").get_json() == []
    assert len(client.get(f"{BASE}/requests.json?status=open,closed").get_json()) == 1


def test_voided_request_is_closed_with_the_reason(client, app):
    api = ApiClient(app)
    number = report(client)["service_request_id"]
    api.act(number, "void", "dispatcher", {"reason": "无效诉求"})
    served = client.get(f"{BASE}/requests/{number}.json").get_json()[0]
    assert (served["status"], served["status_notes"]) == ("closed", "不予受理：无效诉求")


def test_filters_by_id_service_code_and_dates(client, app):
    parking = report(client)["service_request_id"]
    light = report(client, service_code=STREETLIGHT, **{"attribute[lamps_out]": "one"})["service_request_id"]
    with app.app_context():
        old = requests.submit(
            _params(service_code=PARKING, address_string="和平区"), _client(), at=now() - timedelta(days=120)
        )[0].number

    def ids(query: str) -> list[str]:
        resp = client.get(f"{BASE}/requests.json{query}")
        assert resp.status_code == 200, resp.get_json()
        return [r["service_request_id"] for r in resp.get_json()]

    assert ids("") == [light, parking]  # the last 90 days, newest first
    assert ids(f"?service_code={STREETLIGHT}") == [light]
    assert ids(f"?service_code={STREETLIGHT},{PARKING}") == [light, parking]
    # service_request_id overrides every other parameter
    assert ids(f"?service_request_id={old},{parking}&service_code={STREETLIGHT}") == [parking, old]
    start = (now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"?start_date={start}&end_date={end}") == [old]
    assert ids(f"?end_date={end}") == [old]
    assert ids(f"?start_date={(now() - timedelta(days=1)).date().isoformat()}") == [light, parking]


def _client():
    return db.session.scalar(select(Open311Client).where(Open311Client.name == "测试客户端"))


def _params(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


@pytest.mark.parametrize(
    "query, name",
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-13-45T00:00:00Z", "end_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),  # more than 90 days
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"),  # backwards
        ("status=pending", "status"),
        ("service_request_id=abc", "service_request_id"),
    ],
)
def test_bad_searches_are_400_naming_the_parameter(client, query, name):
    assert json_errors(client.get(f"{BASE}/requests.json?{query}"), 400)[0].startswith(name)
    assert xml_errors(client.get(f"{BASE}/requests.xml?{query}"), 400)[0].startswith(name)


def test_at_most_the_limit_is_returned_newest_first(client, monkeypatch):
    numbers = [report(client)["service_request_id"] for _ in range(3)]
    monkeypatch.setattr(feed, "MAX_RESULTS", 2)
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").get_json()] == numbers[:0:-1]


def test_tokens_resolve_to_the_request(client):
    receipt = report(client)
    assert client.get(f"{BASE}/tokens/{receipt['token']}.json").get_json() == [
        {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    ]
    root = xml(client.get(f"{BASE}/tokens/{receipt['token']}.xml"))
    assert root.findtext("request/service_request_id") == receipt["service_request_id"]
    json_errors(client.get(f"{BASE}/tokens/{'0' * 32}.json"), 404)
    xml_errors(client.get(f"{BASE}/tokens/nope.xml"), 404)


def test_add_client_command_prints_a_working_key(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["open311", "add-client", "掌上沈阳"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().rsplit(" ", 1)[-1]
    resp = sqlite_app.test_client().post(
        f"{BASE}/requests.json", data={"api_key": key, "service_code": PARKING, "address_string": "和平区"}
    )
    assert resp.status_code == 201
