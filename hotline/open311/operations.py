"""Open311 GeoReport v2 on top of the appeal loop: services are the leaf categories, a
POSTed request is a citizen report on the Open311 channel, and what GET serves is the
public face of the reports filed through public channels.

Everything here speaks the spec's names (service_code, lat/long, attribute[code] …); the
views only pick the format."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.appeals.models import Appeal
from hotline.categories.models import Category
from hotline.core import audit
from hotline.core.clock import local_zone, now, to_local
from hotline.core.db import write_transaction
from hotline.core.errors import AppError, BadRequest, Forbidden, NotFound
from hotline.core.extensions import db
from hotline.core.idempotency import Once
from hotline.grid.geo import Placement
from hotline.grid.models import Unit
from hotline.open311.models import Open311Client, Open311Request
from hotline.reports import operations as reports
from hotline.reports.operations import CLOSED_STATES

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+08:00"  # when this endpoint's behaviour last changed
PUBLIC_CHANNELS = ("随手拍", "Open311")
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")

# Our field names -> the spec's, so a refusal names what the client actually sent.
SPEC_FIELDS = {"content": "description", "category": "service_code", "citizen_phone": "phone",
               "citizen_name": "last_name", "address": "address_string", "lon": "long", "lat": "lat",
               "title": "description"}


# ------------------------------------------------------------------ services


class Value(BaseModel):
    key: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)


class Question(BaseModel):
    """One question of a category: an attribute of its Open311 service."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = Field(min_length=1, max_length=200)
    datatype: str = Field(pattern="^(" + "|".join(DATATYPES) + ")$")
    required: bool = False
    datatype_description: str | None = Field(None, max_length=200)
    order: int = Field(1, ge=1, le=100)
    values: list[Value] = Field(default_factory=list, max_length=100)


def questions_of(category: Category) -> list[Question]:
    return sorted((Question.model_validate(q) for q in category.questions or []), key=lambda q: q.order)


def services() -> list[dict]:
    rows = db.session.scalars(select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL)
                              .order_by(Category.code))
    return [_service(c) for c in rows]


def _service(c: Category) -> dict:
    group = c
    while group.parent is not None:
        group = group.parent
    return {"service_code": c.code, "service_name": c.name, "description": c.full_name,
            "metadata": bool(c.questions), "type": "realtime", "keywords": c.parent.name if c.parent else "",
            "group": group.name}


def service_category(code: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None or not category.active or not category.is_leaf:
        raise NotFound(f"service_code {code} not found: 没有这个服务")
    return category


def service_definition(code: str) -> dict:
    category = service_category(code)
    attributes = []
    for q in questions_of(category):
        attribute = {"variable": True, "code": q.code, "datatype": q.datatype, "required": q.required,
                     "datatype_description": q.datatype_description or "", "order": q.order,
                     "description": q.description}
        if q.datatype in LIST_DATATYPES:
            attribute["values"] = [v.model_dump() for v in q.values]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


# ------------------------------------------------------------------ clients


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def add_client(name: str, api_key: str | None = None) -> tuple[Open311Client, str]:
    """Register a client; returns it with its api_key (shown once, only the hash is kept)."""
    api_key = api_key or secrets.token_urlsafe(24)
    with write_transaction(db.session):
        client = db.session.scalar(select(Open311Client).where(Open311Client.name == name))
        if client is not None and client.key_hash == _hash(api_key) and client.active:
            return client, api_key  # already so (the demo, run again)
        if client is None:
            client = Open311Client(name=name, key_hash=_hash(api_key))
            db.session.add(client)
        else:
            client.key_hash, client.active = _hash(api_key), True
        db.session.flush()
        audit.record(None, "open311_client", client.id, "key", {"name": name})
    return client, api_key


def client_for(api_key: str | None) -> Open311Client:
    client = db.session.scalar(select(Open311Client).where(Open311Client.key_hash == _hash(api_key))) \
        if api_key else None
    if client is None or not client.active:
        raise Forbidden("api_key missing or invalid: 需要有效的 api_key")
    return client


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    ours = current_app.config["HOTLINE_OPEN311_JURISDICTION"]
    if jurisdiction_id not in (None, "", ours):
        raise NotFound(f"jurisdiction_id {jurisdiction_id} not found: 本端点只服务 {ours}")


# ------------------------------------------------------------------ POST requests


@dataclass
class Location:
    lat: float | None
    lon: float | None
    address: str | None
    address_id: str | None
    place: Placement | None  # set when address_id names the place


def _number(params: MultiDict, name: str) -> float | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name}: 必须是数字（WGS84 十进制度）", fields={name: "必须是数字"}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"{name}: 必须是有限的数字", fields={name: "必须是有限的数字"})
    return value


def _location(params: MultiDict) -> Location:
    lat, lon = _number(params, "lat"), _number(params, "long")
    address = (params.get("address_string") or "").strip() or None
    address_id = (params.get("address_id") or "").strip() or None
    if (lat is None) != (lon is None):
        missing = "long" if lon is None else "lat"
        raise BadRequest(f"{missing}: lat 和 long 必须同时提供", fields={missing: "lat 和 long 必须同时提供"})
    place = None
    if address_id is not None:
        unit = db.session.scalar(select(Unit).where(Unit.code == address_id, Unit.active, Unit.kind == "area"))
        if unit is None:
            raise BadRequest(f"address_id: 没有编码为 {address_id} 的区域", fields={"address_id": "没有这个区域编码"})
        if lat is None:
            place = Placement(grid_id=unit.id if unit.level == "grid" else None, unit_id=unit.id,
                              reason=None if unit.level == "grid" else f"按 address_id 定位到{unit.name}")
            address = address or unit.name
    if lat is None and address is None:
        raise BadRequest("location: 需要提供 lat 与 long、address_string 或 address_id 之一",
                         fields={"lat": "需要位置", "address_string": "需要位置", "address_id": "需要位置"})
    return Location(lat, lon, address, address_id, place)


def _parse_datetime(raw: str, name: str) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:  # a date alone: that day from midnight, local time
            return datetime.combine(datetime.fromisoformat(text).date(), time(), local_zone())
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name}: 必须是 W3C 日期时间，如 2026-01-01T00:00:00+08:00",
                         fields={name: "必须是 W3C 日期时间"}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    if not 1990 <= value.year <= 2100:
        raise BadRequest(f"{name}: 超出可查询的年份范围", fields={name: "超出范围"})
    return value


def _attributes(category: Category, params: MultiDict) -> dict[str, Any]:
    """attribute[code]=v (and attribute[code][]=v for lists), checked against the questions."""
    given: dict[str, list[str]] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if name.startswith("attribute") and not match:
            raise BadRequest(f"{name}: 属性参数应写作 attribute[code]", fields={name: "格式应为 attribute[code]"})
        if match:
            given.setdefault(match.group(1), []).extend(v.strip() for v in params.getlist(name) if v.strip())
    questions = {q.code: q for q in questions_of(category)}
    errors: dict[str, str] = {}
    answers: dict[str, Any] = {}
    for code in given.keys() - questions.keys():
        errors[f"attribute[{code}]"] = "该服务没有这个属性"
    for code, q in questions.items():
        values = given.get(code, [])
        key = f"attribute[{code}]"
        if not values:
            if q.required:
                errors[key] = f"必填：{q.description}"
            continue
        keys = {v.key for v in q.values}
        if q.datatype == "multivaluelist":
            if not set(values) <= keys:
                errors[key] = f"可选值：{'、'.join(sorted(keys))}"
            answers[code] = values
            continue
        if len(values) > 1:
            errors[key] = "只能有一个值"
            continue
        value = values[0]
        if q.datatype == "singlevaluelist" and value not in keys:
            errors[key] = f"可选值：{'、'.join(sorted(keys))}"
        elif q.datatype == "number":
            try:
                float(value)
            except ValueError:
                errors[key] = "必须是数字"
        elif q.datatype == "datetime":
            try:
                value = _parse_datetime(value, key).isoformat()
            except BadRequest:
                errors[key] = "必须是 W3C 日期时间"
        elif len(value) > (4000 if q.datatype == "text" else 500):
            errors[key] = "过长"
        answers[code] = value
    if errors:
        raise BadRequest("; ".join(f"{k}: {v}" for k, v in errors.items()), fields=errors)
    return answers


def _media_url(params: MultiDict) -> str | None:
    url = (params.get("media_url") or "").strip()
    if not url:
        return None
    if len(url) > 1000 or not re.match(r"^https?://[^\s/$.?#][^\s]*$", url):
        raise BadRequest("media_url: 必须是 http(s) 网址，不超过1000个字符",
                         fields={"media_url": "必须是 http(s) 网址"})
    return url


def _text(params: MultiDict, name: str, limit: int) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > limit:
        raise BadRequest(f"{name}: 不能超过{limit}个字符", fields={name: f"不能超过{limit}个字符"})
    return value or None


def submit(params: MultiDict, client: Open311Client, once: Once | None = None,
           at: datetime | None = None) -> tuple[Appeal, Open311Request]:
    """A POSTed request becomes a citizen report on the Open311 channel."""
    code = (params.get("service_code") or "").strip()
    if not code:
        raise BadRequest("service_code: 必填", fields={"service_code": "必填"})
    category = service_category(code)
    answers = _attributes(category, params)
    where = _location(params)
    media_url = _media_url(params)
    email = _text(params, "email", 254)
    device_id, account_id = _text(params, "device_id", 100), _text(params, "account_id", 100)
    description = _text(params, "description", 4000)
    name = "".join(filter(None, (_text(params, "last_name", 25), _text(params, "first_name", 25)))) or None
    phone = _text(params, "phone", 20)
    data = {"category": code, "content": description or category.name,
            "title": f"{category.name}：{reports.title_from(description)}" if description else category.name,
            "address": where.address, "lat": where.lat, "lon": where.lon,
            "citizen_name": name, "citizen_phone": phone, "is_anonymous": phone is None}
    token = secrets.token_hex(16)
    row = Open311Request(client_id=client.id, token=token, attributes=answers, media_url=media_url,
                         address_id=where.address_id, email=email, device_id=device_id, account_id=account_id)

    def attach(appeal: Appeal) -> None:
        row.appeal_id = appeal.id
        db.session.add(row)

    try:
        appeal = reports.submit(data, channel="Open311", at=at, once=once, place=where.place, attach=attach,
                                details={"open311_client": client.name, "attributes": answers})
    except AppError as exc:
        raise _in_spec_terms(exc) from None
    if once is not None and once.replayed:
        row = db.session.get(Open311Request, appeal.id)
    return appeal, row


def _in_spec_terms(exc: AppError) -> AppError:
    if not exc.fields:
        return exc
    fields = {SPEC_FIELDS.get(k, k): v for k, v in exc.fields.items()}
    return type(exc)("; ".join(f"{k}: {v}" for k, v in fields.items()), fields=fields)


# ------------------------------------------------------------------ GET requests


def _public():
    return [Appeal.channel.in_(PUBLIC_CHANNELS), Appeal.is_confidential.is_(False)]


def find(params: MultiDict, at: datetime | None = None) -> list[Appeal]:
    at = at or now()
    conditions = _public()
    ids = (params.get("service_request_id") or "").strip()
    if ids:  # overrides every other filter
        numbers = [i.strip() for i in ids.split(",") if i.strip()]
        if len(numbers) > MAX_RESULTS or not all(n.isdigit() and len(n) == 16 for n in numbers):
            raise BadRequest("service_request_id: 必须是逗号分隔的16位工单编号",
                             fields={"service_request_id": "必须是逗号分隔的16位工单编号"})
        conditions.append(Appeal.number.in_(numbers))
    else:
        conditions += _filters(params, at)
    query = select(Appeal).where(*conditions).order_by(Appeal.received_at.desc(), Appeal.id.desc()).limit(MAX_RESULTS)
    return list(db.session.scalars(query))


def _filters(params: MultiDict, at: datetime) -> list:
    conditions = []
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        conditions.append(Appeal.category_id.in_(select(Category.id).where(Category.code.in_(codes))))
    start = _parse_datetime(params["start_date"], "start_date") if params.get("start_date") else None
    end = _parse_datetime(params["end_date"], "end_date") if params.get("end_date") else None
    if start and end:
        if end < start:
            raise BadRequest("end_date: 不能早于 start_date", fields={"end_date": "不能早于 start_date"})
        if end - start > DEFAULT_SPAN:
            raise BadRequest("end_date: 查询范围不能超过90天", fields={"end_date": "查询范围不能超过90天"})
    elif start:
        end = start + DEFAULT_SPAN
    elif end:
        start = end - DEFAULT_SPAN
    else:
        start, end = at - DEFAULT_SPAN, at
    conditions += [Appeal.received_at >= start, Appeal.received_at <= end]
    statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise BadRequest("status: 只能是 open、closed 或以逗号分隔的二者", fields={"status": "只能是 open 或 closed"})
    if statuses == {"open"}:
        conditions.append(Appeal.state.not_in(CLOSED_STATES))
    elif statuses == {"closed"}:
        conditions.append(Appeal.state.in_(CLOSED_STATES))
    return conditions


def find_one(number: str) -> Appeal:
    appeal = db.session.scalar(select(Appeal).where(Appeal.number == number, *_public())) \
        if number.isdigit() and len(number) == 16 else None
    if appeal is None:
        raise NotFound(f"service_request_id {number} not found: 没有这个服务请求")
    return appeal


def find_token(token: str) -> Open311Request:
    row = db.session.scalar(select(Open311Request).where(Open311Request.token == token)) \
        if re.fullmatch(r"[0-9a-f]{32}", token) else None
    if row is None:
        raise NotFound(f"token {token} not found: 没有这个令牌")
    return row


def w3c(value: datetime | None) -> str | None:
    return to_local(value).isoformat(timespec="seconds") if value else None


def represent(appeals: list[Appeal]) -> list[dict]:
    """The spec's service request fields, for a page of appeals (their Open311 rows in one query)."""
    ids = [a.id for a in appeals]
    extra = {r.appeal_id: r for r in db.session.scalars(select(Open311Request).where(
        Open311Request.appeal_id.in_(ids)))} if ids else {}
    centre = db.session.scalar(select(Unit.name).where(Unit.kind == "centre").limit(1))
    return [_request(a, extra.get(a.id), centre) for a in appeals]


def _request(a: Appeal, extra: Open311Request | None, centre: str | None) -> dict:
    unit = a.main_unit or a.current_unit
    closed = a.state in CLOSED_STATES
    return {
        "service_request_id": a.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(a, closed),
        "service_name": a.category.name,
        "service_code": a.category.code,
        "description": a.content,
        "agency_responsible": unit.name if unit else centre,
        "service_notice": None,
        "requested_datetime": w3c(a.received_at),
        "updated_datetime": w3c(a.updated_at),
        "expected_datetime": w3c(a.due_at),
        "address": a.address,
        "address_id": extra.address_id if extra and extra.address_id else (a.place_unit.code if a.place_unit else None),
        "zipcode": None,
        "lat": a.lat,
        "long": a.lon,
        "media_url": extra.media_url if extra else None,
    }


def _status_notes(a: Appeal, closed: bool) -> str | None:
    if a.state == "voided":
        return f"不予受理：{a.void_reason}" if a.void_reason else "不予受理"
    if a.state == "merged":
        return f"与工单 {a.merged_into.number} 合并办理" if a.merged_into else "已合并办理"
    if closed and a.public_reply:
        return a.public_reply
    told = reports.milestones(a)
    return told[-1][1] if told else None


def receipt(appeal: Appeal, row: Open311Request) -> dict:
    return {"service_request_id": appeal.number, "token": row.token,
            "service_notice": f"已受理，工单编号 {appeal.number}，查询码 {appeal.query_code}。",
            "account_id": row.account_id}


def token_result(row: Open311Request) -> dict:
    return {"service_request_id": row.appeal.number, "token": row.token}


def discovery(url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": current_app.config["HOTLINE_OPEN311_CONTACT"],
        "key_service": current_app.config["HOTLINE_OPEN311_KEY_SERVICE"],
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }


def check_questions(raw: Any) -> list[dict]:
    """Validate a category's questions (admin input, demo data)."""
    try:
        questions = [Question.model_validate(q) for q in raw or []]
    except ValidationError as exc:
        raise BadRequest(f"questions: {exc.errors()[0]['msg']}", fields={"questions": "格式有误"}) from None
    return [q.model_dump() for q in questions]

