from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.extensions import Model

KINDS = {"report": "诉求照片", "progress": "办理过程", "before": "办理前", "after": "办理后", "check": "现场核查"}
# The kinds the centre may show the citizen on the tracking page (办理前后对比).
PUBLISHABLE = ("before", "after")


class Attachment(Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    content_type: Mapped[str] = mapped_column(String(30))  # of the stored, cleaned file
    original_format: Mapped[str] = mapped_column(String(10))  # as uploaded: JPEG, PNG, WEBP, HEIF
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the upload, to spot the same photo twice
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))  # made by a job
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Shown to the citizen on the tracking page: the centre's decision, photo by photo.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]
