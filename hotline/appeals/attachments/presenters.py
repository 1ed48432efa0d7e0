"""How the API shows a photo."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.appeals.attachments.models import Attachment
from hotline.core.clock import to_local
from hotline.core.pagination import Page


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
    public: bool = Field(description="是否在市民查询页公开（仅办理前、办理后照片，由热线中心决定）")

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(
            id=a.id,
            appeal_id=a.appeal_id,
            kind=a.kind,
            kind_label=a.kind_label,
            content_type=a.content_type,
            width=a.width,
            height=a.height,
            size=a.size,
            gps=[a.gps_lat, a.gps_lon] if a.gps_lat is not None else None,
            note=a.note,
            uploaded_by=a.uploaded_by.display_name if a.uploaded_by else None,
            created_at=to_local(a.created_at),
            url=f"/api/v1/attachments/{a.id}/content",
            thumbnail_url=f"/api/v1/attachments/{a.id}/thumbnail" if a.thumbnail_key else None,
            public=a.public,
        )


class AttachmentList(Page):
    items: list[AttachmentOut]
