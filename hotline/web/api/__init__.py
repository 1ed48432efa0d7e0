"""JSON API under /api/v1 (DESIGN.md §8)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from hotline.auth.operations import user_for_token
from hotline.errors import Unauthorized
from hotline.web.api.schemas import Error
from hotline.web.api.spec import Api

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)


def authenticate():
    """The user of the request's bearer token. Safe (GET) requests from a signed-in page
    may use the page session instead, so pages can call the API without a token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header.removeprefix("Bearer ").strip())
        if user is None:
            raise Unauthorized("令牌无效或已过期，请重新获取")
        g.user = user
        return user
    if request.method == "GET" and g.get("user") is not None:
        return g.user
    raise Unauthorized("需要登录：请在 Authorization 头中携带 Bearer 令牌")


api = Api(bp, title="hotline 12345 诉求闭环 API", version="1.0", authenticate=authenticate, error_model=Error)

from hotline.web.api import appeals, auth, reference  # noqa: E402,F401  (register endpoints)
from hotline.attachments import api as attachments_api  # noqa: E402,F401
from hotline.auth import api as auth_api  # noqa: E402,F401
from hotline.calendar import api as calendar_api  # noqa: E402,F401
from hotline.grid import api as grid_api  # noqa: E402,F401
from hotline.jobs import api as jobs_api  # noqa: E402,F401
from hotline.ledger import api as ledger_api  # noqa: E402,F401
from hotline.metrics import api as metrics_api  # noqa: E402,F401
from hotline.notifications import api as notifications_api  # noqa: E402,F401
from hotline.reports import api as reports_api  # noqa: E402,F401
from hotline.workflow import api as workflow_api  # noqa: E402,F401


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(api.openapi(PREFIX))
