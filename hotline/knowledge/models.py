"""Knowledge-base entries, their versions and the proposals units make."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import Model
from hotline.grid.models import Unit

# draft → published → retired (a retired entry may be published again)
STATUSES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
PROPOSAL_STATUSES = {"pending": "待审核", "accepted": "已采纳", "rejected": "未采纳"}


class EntryContent:
    """What an entry says and where and when it applies: kept on the entry, copied into each
    version, and proposed as a whole."""

    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)  # 答复口径
    keywords: Mapped[str | None] = mapped_column(String(500))  # 关键词、常见问法
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # None: everywhere; else the subtree of this unit (a district's own rule …)
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # 责任单位
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]

    @declared_attr
    def category(cls) -> Mapped[Category | None]:
        return relationship(Category, lazy="joined")

    @declared_attr
    def area(cls: type) -> Mapped[Unit | None]:
        return relationship(Unit, foreign_keys=f"{cls.__name__}.area_unit_id", lazy="joined")

    @declared_attr
    def responsible_unit(cls: type) -> Mapped[Unit | None]:
        return relationship(Unit, foreign_keys=f"{cls.__name__}.responsible_unit_id", lazy="joined")

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class KnowledgeEntry(EntryContent, Model):
    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)  # the current version's number
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How many appeals it answered (直接答复), for ranking and for the entry's page.
    answered: Mapped[int] = mapped_column(default=0)

    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    versions: Mapped[list[KnowledgeVersion]] = relationship(
        back_populates="entry", order_by="KnowledgeVersion.version.desc()", viewonly=True
    )

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


class KnowledgeVersion(EntryContent, Model):
    """One version of an entry as it stood after an edit, a status change or an accepted
    proposal: versions are only ever added."""

    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    change: Mapped[str] = mapped_column(String(20))  # create, edit, publish, retire, proposal
    note: Mapped[str | None] = mapped_column(String(500))  # 修改说明
    edited_at: Mapped[datetime] = mapped_column(default=now)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_proposals.id"))

    entry: Mapped[KnowledgeEntry] = relationship(back_populates="versions")
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


class KnowledgeProposal(EntryContent, Model):
    """A unit's (or an operator's) proposed new entry, or change to an entry, for the
    centre to accept or reject."""

    __tablename__ = "knowledge_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id"), index=True)
    base_version: Mapped[int | None]  # the version the proposer saw
    reason: Mapped[str] = mapped_column(String(1000))  # 建议理由
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))  # the 咨询 that prompted it
    proposed_at: Mapped[datetime] = mapped_column(default=now)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the proposer's unit
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(String(500))

    entry: Mapped[KnowledgeEntry | None] = relationship(foreign_keys=[entry_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id], lazy="joined")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUSES[self.status]
