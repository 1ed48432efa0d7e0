"""API of the appeal photos."""

from __future__ import annotations

from flask import request

from hotline.appeals.attachments import operations, storage
from hotline.appeals.attachments.models import KINDS
from hotline.appeals.attachments.presenters import AttachmentList, AttachmentOut
from hotline.appeals.schemas import REF
from hotline.appeals.visibility import find_appeal
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import invalid
from hotline.web.api import api

UPLOAD = {
    "file": {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "description": "JPEG、PNG、WebP 或 HEIC 照片",
        "required": True,
    },
    "kind": {
        "type": "string",
        "enum": list(KINDS),
        "description": "诉求照片 / 办理过程 / 办理前 / 办理后",
        "required": True,
    },
    "note": {"type": "string", "maxLength": 500},
}


@api.endpoint(
    "POST",
    "/appeals/<ref>/attachments",
    summary="上传照片（元数据会被清除，GPS 可用于定位）",
    upload=UPLOAD,
    response=AttachmentOut,
    status=201,
    tags=("attachments",),
    errors=(403, 404, 409, 413),
    path_params={"ref": REF},
)
def upload(user, ref):
    file = request.files.get("file")
    if file is None:
        raise invalid("file", "必填（以 multipart/form-data 上传）")
    attachment = operations.upload(
        ref, file.read(), request.form.get("kind", ""), user, note=request.form.get("note") or None
    )
    return AttachmentOut.of(attachment)


@api.endpoint(
    "GET",
    "/appeals/<ref>/attachments",
    summary="工单照片",
    query=PageQuery,
    response=AttachmentList,
    tags=("attachments",),
    errors=(404,),
    path_params={"ref": REF},
)
def list_attachments(user, ref, query: PageQuery):
    photos, page = paginate(operations.for_appeal(find_appeal(ref, user), user), query)
    return AttachmentList(items=[AttachmentOut.of(a) for a in photos], **page)


@api.endpoint(
    "GET",
    "/attachments/<int:attachment_id>/content",
    summary="照片文件",
    tags=("attachments",),
    errors=(404,),
    media_type="image/*",
)
def content(user, attachment_id: int):
    return storage.send(operations.get_visible(attachment_id, user))


@api.endpoint(
    "GET",
    "/attachments/<int:attachment_id>/thumbnail",
    summary="缩略图（JPEG）",
    tags=("attachments",),
    errors=(404,),
    media_type="image/jpeg",
)
def thumbnail(user, attachment_id: int):
    return storage.send(operations.get_visible(attachment_id, user), thumbnail=True)


@api.endpoint(
    "POST",
    "/attachments/<int:attachment_id>/public",
    summary="向市民公开办理前、办理后照片（或撤回）",
    body=operations.PublishBody,
    response=AttachmentOut,
    tags=("attachments",),
    errors=(403, 404, 409),
    description="由热线中心的派单员或督办员决定哪些办理前、办理后照片显示在市民查询页（/track）；公开与撤回都记入工单时间线。",
)
def publish(user, attachment_id: int, data):
    return AttachmentOut.of(operations.publish(attachment_id, data, user))
