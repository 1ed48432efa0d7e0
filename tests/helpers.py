"""Test helpers: an API client that checks every answer against the OpenAPI document,
and ways to bring an appeal to any state by taking the real actions."""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openapi_schema_validator import OAS31Validator

from tests.conftest import PASSWORD


def free_port() -> int:
    """A port nothing listens on, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Units of the demo organisation (hotline/demo/reference.py).
STREET = "210102001"  # 太原街街道
COMMUNITY = "210102001001"  # 民主社区
GRID = "210102001001001"  # 民主社区第一网格
DISTRICT = "210102"  # 和平区
DEPT = "210102CG"  # 和平区城市管理局
OTHER_STREET = "210103001"  # 五里河街道 (沈河区)
OTHER_DISTRICT = "210103"

STREET_HANDLER = f"u{STREET}"
SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    """A moment of the centre's local time: local(2026, 11, 24, 9)."""
    return datetime(*args, tzinfo=SH)


def accounts() -> dict:
    """The demo accounts by username (inside an application context)."""
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.core.extensions import db

    return {u.username: u for u in db.session.scalars(select(User))}


def appeal_data(**overrides) -> dict:
    data = {
        # 违章停车: a street's duty in the demo 确责清单.
        "type": "投诉",
        "category": "040201",
        "title": "车辆长期占用消防通道",
        "content": "太原北街86号小区消防通道常年停满私家车，消防车无法进入。",
        "citizen_name": "王先生",
        "citizen_phone": "13812345678",
        "address": "和平区太原北街86号",
        "lat": 41.88,
        "lon": 123.32,  # in GRID
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class ApiClient:
    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        self.spec = self.client.get("/api/v1/openapi.json").get_json()
        self._unit_ids: dict[str, int] = {}
        self._routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.spec["paths"]]

    def token(self, username: str) -> str:
        if username not in self.tokens:
            resp = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert resp.status_code == 201, resp.get_json()
            self.tokens[username] = resp.get_json()["token"]
        return self.tokens[username]

    def request(
        self,
        method: str,
        path: str,
        user: str | None = None,
        *,
        json: Any = None,
        query: dict | None = None,
        expect: int | None = None,
        headers: dict | None = None,
    ):
        headers = dict(headers or {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        resp = self.client.open(path, method=method, json=json, query_string=query, headers=headers)
        self.check_against_spec(method, path, resp)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {path}: {resp.status_code} {resp.get_json()}"
        return resp

    def get(self, path: str, user: str, **kw):
        return self.request("GET", path, user, **kw)

    def post(self, path: str, user: str, **kw):
        return self.request("POST", path, user, **kw)

    def check_against_spec(self, method: str, path: str, resp) -> None:
        """Every documented answer must match its schema in /api/v1/openapi.json."""
        template = next((p for rx, p in self._routes if rx.match(path)), None)
        if template is None or resp.status_code == 204:
            return
        operation = self.spec["paths"][template].get(method.lower())
        if operation is None:
            assert resp.status_code == 405, f"{method} {template} is not documented"
            return
        documented = operation["responses"].get(str(resp.status_code))
        assert documented is not None, f"{method} {template} answered undocumented {resp.status_code}"
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema:
            OAS31Validator(
                {**schema, "components": self.spec["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
            ).validate(resp.get_json())

    # ------------------------------------------------------------ the domain

    def unit_id(self, code: str) -> int:
        if code not in self._unit_ids:
            items = self.get("/api/v1/units", "dispatcher", query={"code": code}, expect=200).get_json()["items"]
            self._unit_ids[code] = items[0]["id"]
        return self._unit_ids[code]

    def create(self, user: str = "operator", expect: int = 201, **fields) -> dict:
        return self.post("/api/v1/appeals", user, json=appeal_data(**fields), expect=expect).get_json()

    def act(self, ref, action: str, user: str, body: dict | None = None, expect: int = 200) -> dict:
        return self.post(f"/api/v1/appeals/{ref}/actions/{action}", user, json=body or {}, expect=expect).get_json()

    def appeal(self, ref, user: str = "dispatcher") -> dict:
        return self.get(f"/api/v1/appeals/{ref}", user, expect=200).get_json()

    def steps_to(self, state: str) -> list[tuple[str, str, dict]]:
        """The actions that bring a new appeal to `state`, as (action, user, body)."""
        street = self.unit_id(STREET)
        handling = [("dispatch", "dispatcher", {"unit_id": street}), ("sign", STREET_HANDLER, {})]
        replied = [*handling, ("reply", STREET_HANDLER, {"result": "已劝离摊贩并每日巡查", "resolved": "解决"})]
        revisiting = [*replied, ("approve_reply", "dispatcher", {})]
        auditing = [
            *revisiting,
            ("visit", "visitor", {"reached": True, "resolved": "解决", "satisfaction": "满意", "contacted": True}),
        ]
        return (
            {
                "accepted": [],
                "dispatched": handling[:1],
                "returning": [
                    *handling[:1],
                    ("return", STREET_HANDLER, {"reason": "不属于本单位", "basis": "确责清单"}),
                ],
                "handling": handling,
                "supervised": [*handling, ("supervise", "supervisor", {"level": "yellow", "note": "请加快办理"})],
                "paused": [
                    *handling,
                    ("request_pause", STREET_HANDLER, pause_request()),
                    ("approve_pause", "supervisor", {}),
                ],
                "replied": replied,
                "revisiting": revisiting,
                "auditing": auditing,
                "evaluated": [*auditing, ("audit", "supervisor", {"passed": True})],
                "voided": [("void", "dispatcher", {"reason": "无效诉求"})],
                "merged": [],
            }[state]
            if state != "merged"
            else [("merge", "operator", {"master_number": self.create()["number"]})]
        )

    def appeal_in(self, state: str, **fields) -> dict:
        """A new appeal brought to `state`: created through the API, moved there by the
        same operations in-process (the API of each action is what the tests of it test),
        and read back through the API as the centre's dispatcher sees it."""
        from sqlalchemy import select

        from hotline.appeals.engine import perform
        from hotline.auth.models import User
        from hotline.core.extensions import db

        appeal = self.create(**fields)
        if steps := self.steps_to(state):
            with self.app.app_context():
                for action, username, body in steps:
                    perform(
                        appeal["id"],
                        action,
                        body,
                        db.session.scalars(select(User).where(User.username == username)).one(),
                    )
            appeal = self.appeal(appeal["id"])
        assert appeal["state"] == state
        return appeal


def pause_request(days: int = 7, kind: str = "等待市民") -> dict:
    """A 挂起 request resuming `days` from today (local date)."""
    resume_on = datetime.now(SH).date() + timedelta(days=days)
    return {"kind": kind, "reason": "市民外出务工，约定返回后上门查看", "resume_on": resume_on.isoformat()}


class Browser:
    """A signed-in page session (the test client with cookies)."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        resp = self.client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": self.csrf(page)}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)

    @staticmethod
    def csrf(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def get(self, path: str, expect: int = 200) -> str:
        resp = self.client.get(path)
        assert resp.status_code == expect, resp.status_code
        return resp.get_data(as_text=True)

    def submit(self, path: str, form_page: str, data: dict, expect: int = 302):
        resp = self.client.post(path, data={"csrf_token": self.csrf(self.get(form_page)), **data})
        assert resp.status_code == expect, resp.get_data(as_text=True)[:2000]
        return resp
