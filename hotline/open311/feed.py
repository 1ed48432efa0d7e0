"""What Open311 GET serves: the public face of reports filed through public channels
(never a 保密 one, never anyone's name, phone or e-mail), and the receipts of POSTs.

Anyone may read the feed, so it publishes less than the report holds: coordinates rounded
(HOTLINE_OPEN311_COORDINATE_DECIMALS), phone and identity card numbers in any text masked,
and only the fields HOTLINE_OPEN311_PUBLIC_FIELDS names of description, address, lat,
long and media_url (the others are null)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, select
from werkzeug.datastructures import MultiDict

from hotline.appeals.models import Appeal
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.core.validation import mask_personal_numbers
from hotline.grid.models import Unit
from hotline.open311.models import Open311Request
from hotline.open311.spec import DEFAULT_SPAN, MAX_RESULTS, PUBLIC_CHANNELS, parse_datetime, w3c
from hotline.reports import operations as reports
from hotline.reports.operations import CLOSED_STATES


def _public():
    return [Appeal.channel.in_(PUBLIC_CHANNELS), Appeal.is_confidential.is_(False)]


def find(params: MultiDict, at: datetime | None = None) -> list[Appeal]:
    at = at or now()
    conditions = _public()
    ids = (params.get("service_request_id") or "").strip()
    if ids:  # overrides every other filter
        numbers = [i.strip() for i in ids.split(",") if i.strip()]
        if len(numbers) > MAX_RESULTS or not all(n.isdigit() and len(n) == 16 for n in numbers):
            raise BadRequest(
                "service_request_id: 必须是逗号分隔的16位工单编号",
                fields={"service_request_id": "必须是逗号分隔的16位工单编号"},
            )
        conditions.append(Appeal.number.in_(numbers))
    else:
        conditions += _filters(params, at)
    query = select(Appeal).where(*conditions).order_by(Appeal.received_at.desc(), Appeal.id.desc()).limit(MAX_RESULTS)
    return list(db.session.scalars(query))


def _filters(params: MultiDict, at: datetime) -> list:
    conditions: list[ColumnElement[bool]] = []
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        conditions.append(Appeal.category_id.in_(select(Category.id).where(Category.code.in_(codes))))
    start = parse_datetime(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_datetime(params["end_date"], "end_date") if params.get("end_date") else None
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
    appeal = (
        db.session.scalar(select(Appeal).where(Appeal.number == number, *_public()))
        if number.isdigit() and len(number) == 16
        else None
    )
    if appeal is None:
        raise NotFound(f"service_request_id {number} not found: 没有这个服务请求")
    return appeal


def find_token(token: str) -> Open311Request:
    row = (
        db.session.scalar(select(Open311Request).where(Open311Request.token == token))
        if re.fullmatch(r"[0-9a-f]{32}", token)
        else None
    )
    if row is None:
        raise NotFound(f"token {token} not found: 没有这个令牌")
    return row


def represent(appeals: list[Appeal]) -> list[dict]:
    """The spec's service request fields, for a page of appeals (their Open311 rows in one query)."""
    ids = [a.id for a in appeals]
    extra = (
        {r.appeal_id: r for r in db.session.scalars(select(Open311Request).where(Open311Request.appeal_id.in_(ids)))}
        if ids
        else {}
    )
    centre = db.session.scalar(select(Unit.name).where(Unit.kind == "centre").limit(1))
    return [_published(_request(a, extra.get(a.id), centre)) for a in appeals]


def _published(request: dict) -> dict:
    config = current_app.config
    fields, decimals = config["HOTLINE_OPEN311_PUBLIC_FIELDS"], config["HOTLINE_OPEN311_COORDINATE_DECIMALS"]
    for name in ("description", "address", "status_notes"):
        request[name] = mask_personal_numbers(request[name])
    for name in ("lat", "long"):
        if request[name] is not None:
            request[name] = round(request[name], decimals)
    for name in ("description", "address", "lat", "long", "media_url"):
        if name not in fields:
            request[name] = None
    return request


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
    return {
        "service_request_id": appeal.number,
        "token": row.token,
        "service_notice": f"已受理，工单编号 {appeal.number}，查询码 {appeal.query_code}。",
        "account_id": row.account_id,
    }


def token_result(row: Open311Request) -> dict:
    return {"service_request_id": row.appeal.number, "token": row.token}
