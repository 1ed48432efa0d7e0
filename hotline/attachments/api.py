"""API of the appeal photos."""
from __future__ import annotations

from datetime import datetime

from flask import request, send_file
from pydantic import BaseModel, Field

from hotline.attachments import operations, storage
from hotline.attachments.models import KINDS, Attachment
from hotline.clock import to_local
from hotline.errors import BadRequest, NotFound
from hotline.pagination import Page, PageQuery, paginate
from hotline.web.api import api
from hotline.web.api.appeals import REF
from hotline.workflow.operations import find_appeal


class AttachmentOut(BaseModel):
    id: int
    appeal_id: int
    kind: str
    kind_label: str
    content_type: str
    width: int
    height: int
    size: int
    gps: list[float] | None = Field(description="照片 EXIF 中的 [纬度, 经度]（WGS84）；存储的文件已去除全部元数据")
    note: str | None
    uploaded_by: str | None
    created_at: datetime
    url: str
    thumbnail_url: str | None = Field(description="缩略图由后台任务生成，生成前为 null")

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(id=a.id, appeal_id=a.appeal_id, kind=a.kind, kind_label=a.kind_label, content_type=a.content_type,
                   width=a.width, height=a.height, size=a.size,
                   gps=[a.gps_lat, a.gps_lon] if a.gps_lat is not None else None, note=a.note,
                   uploaded_by=a.uploaded_by.display_name if a.uploaded_by else None,
                   created_at=to_local(a.created_at), url=f"/api/v1/attachments/{a.id}/content",
                   thumbnail_url=f"/api/v1/attachments/{a.id}/thumbnail" if a.thumbnail_key else None)


class AttachmentList(Page):
    items: list[AttachmentOut]


UPLOAD = {
    "file": {"type": "string", "contentMediaType": "application/octet-stream",
             "description": "JPEG、PNG、WebP 或 HEIC 照片", "required": True},
    "kind": {"type": "string", "enum": list(KINDS), "description": "诉求照片 / 办理过程 / 办理前 / 办理后",
             "required": True},
    "note": {"type": "string", "maxLength": 500},
}


def serve(attachment: Attachment, thumbnail: bool = False):
    key = attachment.thumbnail_key if thumbnail else attachment.storage_key
    if key is None:
        raise NotFound("缩略图尚未生成")
    response = send_file(storage.path_of(key), mimetype="image/jpeg" if thumbnail else attachment.content_type,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # only for those allowed to see the appeal
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api.endpoint("POST", "/appeals/<ref>/attachments", summary="上传照片（元数据会被清除，GPS 可用于定位）",
              upload=UPLOAD, response=AttachmentOut, status=201, tags=("attachments",),
              errors=(403, 404, 409, 413), path_params={"ref": REF})
def upload(user, ref):
    file = request.files.get("file")
    if file is None:
        raise BadRequest("请求内容有误：file：必填（multipart/form-data）", fields={"file": "必填"})
    attachment = operations.upload(ref, file.read(), request.form.get("kind", ""), user,
                                   note=request.form.get("note") or None)
    return AttachmentOut.of(attachment)


@api.endpoint("GET", "/appeals/<ref>/attachments", summary="工单照片", query=PageQuery, response=AttachmentList,
              tags=("attachments",), errors=(404,), path_params={"ref": REF})
def list_attachments(user, ref, query: PageQuery):
    photos, page = paginate(operations.for_appeal(find_appeal(ref, user)), query)
    return AttachmentList(items=[AttachmentOut.of(a) for a in photos], **page)


@api.endpoint("GET", "/attachments/<int:attachment_id>/content", summary="照片文件", tags=("attachments",),
              errors=(404,), media_type="image/*")
def content(user, attachment_id: int):
    return serve(operations.get_visible(attachment_id, user))


@api.endpoint("GET", "/attachments/<int:attachment_id>/thumbnail", summary="缩略图（JPEG）", tags=("attachments",),
              errors=(404,), media_type="image/jpeg")
def thumbnail(user, attachment_id: int):
    return serve(operations.get_visible(attachment_id, user), thumbnail=True)
