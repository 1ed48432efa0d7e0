"""Open311 service requests POSTed by a client: each becomes a citizen report on the
Open311 channel.

Everything here speaks the spec's names (service_code, lat/long, attribute[code] …); the
views only pick the format."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.appeals.models import Appeal
from hotline.categories.models import Category
from hotline.core.errors import AppError, BadRequest
from hotline.core.extensions import db
from hotline.core.idempotency import Once
from hotline.core.safe_text import XML_ILLEGAL
from hotline.grid.geo import Placement
from hotline.grid.models import Unit
from hotline.open311.models import Open311Client, Open311Request
from hotline.open311.services import questions_of, service_category
from hotline.open311.spec import ATTRIBUTE_PARAM, SPEC_FIELDS, parse_datetime
from hotline.reports import operations as reports

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
            place = Placement(
                grid_id=unit.id if unit.level == "grid" else None,
                unit_id=unit.id,
                reason=None if unit.level == "grid" else f"按 address_id 定位到{unit.name}",
            )
            address = address or unit.name
    if lat is None and address is None:
        raise BadRequest(
            "location: 需要提供 lat 与 long、address_string 或 address_id 之一",
            fields={"lat": "需要位置", "address_string": "需要位置", "address_id": "需要位置"},
        )
    return Location(lat, lon, address, address_id, place)


def _attributes(category: Category, params: MultiDict) -> dict[str, Any]:
    """attribute[code]=v (and attribute[code][]=v for lists), checked against the questions."""
    given: dict[str, list[str]] = {}
    for name in params:
        match = ATTRIBUTE_PARAM.match(name)
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
                value = parse_datetime(value, key).isoformat()
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
        raise BadRequest(
            "media_url: 必须是 http(s) 网址，不超过1000个字符", fields={"media_url": "必须是 http(s) 网址"}
        )
    return url


def _text(params: MultiDict, name: str, limit: int) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > limit:
        raise BadRequest(f"{name}: 不能超过{limit}个字符", fields={name: f"不能超过{limit}个字符"})
    if XML_ILLEGAL.search(value):
        raise BadRequest(f"{name}: 不能含有控制字符", fields={name: "不能含有控制字符"})
    return value or None


def submit(
    params: MultiDict, client: Open311Client, once: Once | None = None, at: datetime | None = None
) -> tuple[Appeal, Open311Request]:
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
    data = {
        "category": code,
        "content": description or category.name,
        "title": f"{category.name}：{reports.title_from(description)}" if description else category.name,
        "address": where.address,
        "lat": where.lat,
        "lon": where.lon,
        "citizen_name": name,
        "citizen_phone": phone,
        "is_anonymous": phone is None,
    }
    token = secrets.token_hex(16)
    row = Open311Request(
        client_id=client.id,
        token=token,
        attributes=answers,
        media_url=media_url,
        address_id=where.address_id,
        email=email,
        device_id=device_id,
        account_id=account_id,
    )

    def attach(appeal: Appeal) -> None:
        row.appeal_id = appeal.id
        db.session.add(row)

    try:
        appeal = reports.submit(
            data,
            channel="Open311",
            at=at,
            once=once,
            place=where.place,
            attach=attach,
            details={"open311_client": client.name, "attributes": answers},
        )
    except AppError as exc:
        raise _in_spec_terms(exc) from None
    if once is not None and once.replayed:
        row = db.session.get_one(Open311Request, appeal.id)
    return appeal, row


def _in_spec_terms(exc: AppError) -> AppError:
    if not exc.fields:
        return exc
    fields = {SPEC_FIELDS.get(k, k): v for k, v in exc.fields.items()}
    return type(exc)("; ".join(f"{k}: {v}" for k, v in fields.items()), fields=fields)
