"""The GeoReport v2 endpoints: every resource as `.json` or `.xml`, errors as the spec's
error list (400, 403, 404; 429 when a rate limit is reached) in the same format."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import HTTPException

from hotline.auth.sessions import keyed_paths
from hotline.core import idempotency
from hotline.core.errors import AppError, NotFound
from hotline.core.safe_text import xml_text
from hotline.core.throttle import declare
from hotline.open311 import clients, feed
from hotline.open311 import requests as service_requests
from hotline.open311 import services as catalogue
from hotline.reports import limits
from hotline.web.errors import render_errors_under

PREFIX = "/open311/v2"
# An Open311 client is often a city app's server posting for many citizens from one
# address, so its allowance is larger than a citizen's; the per-phone limit still holds.
POST_BY_ADDRESS = declare(
    "open311.address", "120 per minute; 5000 per day", "提交过于频繁", "Open311 POST requests from one address"
)
bp = Blueprint("open311", __name__, url_prefix=PREFIX)
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element each list's items are called in XML.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _to_xml(parent: ElementTree.Element, key: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _to_xml(element, k, v)
    elif isinstance(value, list):
        for item in value:
            _to_xml(element, ITEM_TAGS[key], item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))  # a stored control character must not break the feed


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """`payload` as JSON, or as XML under `root` (a list becomes one element per item)."""
    if fmt == "xml":
        tree = ElementTree.Element(root)
        if isinstance(payload, list):
            for item in payload:
                _to_xml(tree, ITEM_TAGS[root], item)
        else:
            for k, v in payload.items():
                _to_xml(tree, k, v)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
            tree, encoding="utf-8", xml_declaration=False
        )
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
    return Response(body, status=status, content_type=FORMATS[fmt])


def error_response(status: int, description: str, fields: dict[str, str] | None = None) -> Response:
    """The spec's error list: one error per field at fault, else one for the request."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    errors = [{"code": status, "description": f"{name}: {problem}"} for name, problem in (fields or {}).items()]
    return render(fmt, "errors", errors or [{"code": status, "description": description}], status)


# Errors outside any route (an unknown path under the prefix) are answered in the spec's
# format too, and its clients authenticate with an api_key, not the page session.
render_errors_under("/open311/", error_response)
keyed_paths("/open311/")


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"format {fmt} not supported: 只支持 .json 和 .xml", fields={"format": "只支持 json 或 xml"})
    clients.check_jurisdiction(request.values.get("jurisdiction_id"))
    return fmt


@bp.errorhandler(AppError)
def _app_error(exc: AppError):
    # The spec knows 400, 403 and 404: anything else the client did wrong is a 400, but a
    # rate limit stays HTTP's 429 with its Retry-After, which every HTTP client understands.
    status = exc.status if exc.status in (400, 403, 404, 429) else 400
    response = error_response(status, exc.message, exc.fields)
    response.headers.update(exc.headers)
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, exc.description or exc.name)


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    return render(
        _format(fmt),
        "discovery",
        catalogue.discovery(url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]),
    )


@bp.get("/services.<fmt>")
def services(fmt):
    return render(_format(fmt), "services", catalogue.services())


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    return render(_format(fmt), "service_definition", catalogue.service_definition(code))


@bp.post("/requests.<fmt>")
def create_request(fmt):
    fmt = _format(fmt)
    params = request.values  # the form, and the query string (api_key is often sent there)
    client = clients.client_for(params.get("api_key"))
    limits.before_report({"citizen_phone": params.get("phone")}, by_address=POST_BY_ADDRESS)
    content = sorted((k, v) for k, v in params.items(multi=True) if k != "api_key")
    once = idempotency.from_request(f"open311:{client.id}", content)
    appeal, row = service_requests.submit(params, client, once)
    return render(fmt, "service_requests", [feed.receipt(appeal, row)], 201)


@bp.get("/requests.<fmt>")
def requests(fmt):
    fmt = _format(fmt)
    return render(fmt, "service_requests", feed.represent(feed.find(request.args)))


@bp.get("/requests/<number>.<fmt>")
def request_by_id(number, fmt):
    fmt = _format(fmt)
    return render(fmt, "service_requests", feed.represent([feed.find_one(number)]))


@bp.get("/tokens/<token>.<fmt>")
def token(token, fmt):
    fmt = _format(fmt)
    return render(fmt, "service_requests", [feed.token_result(feed.find_token(token))])
