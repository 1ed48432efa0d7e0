"""The JSON API under /api/v1: its blueprint and the `api` every feature declares its
endpoints on (`@api.endpoint(...)` in the feature's api.py). This module imports no
feature; the app factory imports the features' API modules, which register themselves."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from hotline.web.api.schemas import Error
from hotline.web.api.spec import Api

PREFIX = "/api/v1"
# Every path of the API, of this version or another: answered in JSON, authenticated by key.
API_PATHS = "/api/"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
api = Api(bp, title="hotline 12345 诉求闭环 API", version="1.0", error_model=Error)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(api.openapi(PREFIX))
