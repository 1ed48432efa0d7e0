"""Schemathesis against /api/v1/openapi.json: for every documented operation, generated
requests (valid and invalid) never get a server error, and every answer matches the
status codes, content types and schemas the document promises."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.app import create_app
from tests.conftest import PASSWORD

EXAMPLES = int(os.environ.get("HOTLINE_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Revoking the token would sign the rest of an operation's examples out.
SKIPPED = {("DELETE", "/api/v1/auth/token")}


def _operations() -> list[tuple[str, str]]:
    """Every documented operation, read from the document itself (no database needed)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect", "TESTING": True})
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if (method.upper(), path) not in SKIPPED
    ]


@pytest.fixture
def admin_headers(sqlite_app):
    """An administrator reaches every operation; unauthenticated calls are covered by the
    401 answers the document declares."""
    resp = sqlite_app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


@pytest.mark.parametrize("method, path", _operations())
def test_every_operation_keeps_its_promises(sqlite_app, admin_headers, method, path):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sqlite_app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def keeps_promises(case):
        case.call_and_validate(headers=admin_headers, checks=CHECKS)

    keeps_promises()
