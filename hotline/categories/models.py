"""The category taxonomy: appeals are filed under a leaf; the 确责清单 may name any level."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.extensions import Model


class Category(Model):
    """Three-level taxonomy; codes nest (01 → 0101 → 010101). Appeals use leaves."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # The department type that usually owns this kind of problem (城管, 住建 …), a routing hint.
    dept_type: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # What a report of this kind should also say (灯杆编号, 持续时间 …): a list of
    # questions, served to Open311 clients as the service's attributes.
    questions: Mapped[list] = mapped_column(default=list)

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    LEAF_LEVEL = 3

    @property
    def is_leaf(self) -> bool:
        return self.level == self.LEAF_LEVEL

    @property
    def full_name(self) -> str:
        names: list[str] = []
        node: Category | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class CategorySpelling(Model):
    """A category's name in pinyin, initials and whole ("wztc weizhangtingche"), for typing
    it at intake: spelled once when the taxonomy is loaded (categories.search)."""

    __tablename__ = "category_spellings"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    spelled: Mapped[str] = mapped_column(String(200))
