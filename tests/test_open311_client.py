"""The `georeport` client from PyPI (an existing 311 client, not ours) reads our server."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from hotline.open311.clients import add_client

KEY = "client-test-key"


@pytest.fixture
def server(live_server, sqlite_app):
    with sqlite_app.app_context():
        add_client("georeport", KEY)
    filed = []
    for params in (
        {"service_code": "040201", "lat": "41.88", "long": "123.32", "description": "消防通道被占"},
        {
            "service_code": "010203",
            "address_string": "和平区太原街",
            "attribute[lamps_out]": "many",
            "description": "整条路的路灯都不亮",
        },
    ):
        resp = requests.post(f"{live_server}/open311/v2/requests.json", data={"api_key": KEY, **params}, timeout=10)
        assert resp.status_code == 201, resp.text
        filed.append(resp.json()[0]["service_request_id"])
    return f"{live_server}/open311/v2", filed


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_client_reads_services_definitions_and_requests(server, output_format):
    root, filed = server
    client = GeoReport(root, jurisdiction="shenyang.12345.gov.cn", output_format=output_format)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "040201" in codes and "010203" in codes
    assert next(s for s in services if s["service_code"] == "010203")["service_name"] == "路灯不亮"

    definition = client.get_service_definition("010203")
    attributes = definition["attributes"] if output_format == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["pole_number", "lamps_out"]

    found = client.get_service_requests(service_code="040201,010203", status="open")
    assert sorted(r["service_request_id"] for r in found) == sorted(filed)

    one = client.get_service_request(filed[1])
    assert one["service_request_id"] == filed[1] and one["description"] == "整条路的路灯都不亮"
    assert one["status"] == "open" and one["service_name"] == "路灯不亮"
