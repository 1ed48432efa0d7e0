"""Public API of citizen reports: file one (no account), and follow it."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from pydantic import BaseModel, Field

from hotline.appeals.actions.review import RatingBody
from hotline.appeals.attachments.presenters import AttachmentOut
from hotline.core import idempotency
from hotline.core.clock import to_local
from hotline.core.validation import Body, invalid
from hotline.reports import limits, operations
from hotline.reports.operations import STAGES, ReportCreate
from hotline.reports.presenters import ReportStatus
from hotline.web.api import api
from hotline.web.api.spec import json_response

NUMBER = {"type": "string", "pattern": "^[0-9]{16}$", "description": "16位工单编号"}


class ReportReceipt(BaseModel):
    number: str = Field(description="工单编号")
    query_code: str = Field(description="查询码：凭工单编号和查询码查询进度")
    stage: str
    received_at: datetime


class TrackQuery(Body):
    query_code: str = Field(min_length=6, max_length=6, pattern="^[0-9]{6}$", description="受理短信中的6位查询码")


@api.endpoint(
    "POST",
    "/reports",
    summary="市民随手拍：提交诉求（无需登录）",
    body=ReportCreate,
    response=ReportReceipt,
    status=201,
    auth=False,
    tags=("reports",),
    idempotent=True,
    errors=(429,),
    description="受理后向留下的手机号发送工单编号和查询码。",
)
def create_report(data):
    limits.before_report(data)
    once = idempotency.from_request("reports", data)
    appeal = operations.submit(data, once=once)
    receipt = ReportReceipt(
        number=appeal.number,
        query_code=appeal.query_code,
        stage=STAGES[appeal.state],
        received_at=to_local(appeal.received_at),
    )
    response = json_response(receipt, 201)
    response.headers["Location"] = url_for("api.track_report", number=appeal.number, query_code=appeal.query_code)
    return response


PHOTO = {
    "file": {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "description": "JPEG、PNG、WebP 或 HEIC 照片；照片中的 GPS 可为未标点的诉求定位",
        "required": True,
    },
    "note": {"type": "string", "maxLength": 500},
}


@api.endpoint(
    "POST",
    "/reports/<number>/photos",
    summary="市民为自己的随手拍补充照片（凭查询码，最多9张）",
    query=TrackQuery,
    upload=PHOTO,
    response=AttachmentOut,
    status=201,
    auth=False,
    tags=("reports",),
    errors=(404, 409, 413, 429),
    path_params={"number": NUMBER},
)
def add_report_photo(number, query: TrackQuery):
    file = request.files.get("file")
    if file is None:
        raise invalid("file", "必填（以 multipart/form-data 上传）")
    with limits.tracking(number, photos=1):
        photo = operations.add_photo(number, query.query_code, file.read(), note=request.form.get("note") or None)
    return AttachmentOut.of(photo)


@api.endpoint(
    "GET",
    "/reports/<number>",
    summary="凭工单编号和查询码查询办理进度（无需登录）",
    query=TrackQuery,
    response=ReportStatus,
    auth=False,
    tags=("reports",),
    errors=(404, 429),
    path_params={"number": NUMBER},
)
def track_report(number, query: TrackQuery):
    with limits.tracking(number):
        return ReportStatus.of(operations.track(number, query.query_code))


@api.endpoint(
    "POST",
    "/reports/<number>/rating",
    summary="市民评价办理结果（好差评，凭查询码，无需登录）",
    query=TrackQuery,
    body=RatingBody,
    response=ReportStatus,
    auth=False,
    tags=("reports",),
    errors=(404, 409, 429),
    path_params={"number": NUMBER},
    description=(
        "办结答复后、回访前（或回访未联系上后）可评价一次，算作本轮回访；"
        "不满意、非常不满意（差评）须说明原因，尚有整改轮次的退回承办单位整改。"
    ),
)
def rate_report(number, query: TrackQuery, data):
    with limits.tracking(number):
        return ReportStatus.of(operations.rate(number, query.query_code, data))
