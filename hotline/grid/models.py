from __future__ import annotations

from sqlalchemy import ForeignKey, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.vocabulary import UNIT_LEVEL_NAMES

# Byte-wise collation on PostgreSQL so that path ranges and the index agree.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


class Unit(db.Model):
    """A node of the organisation tree.

    `path` is the materialized path of unit codes, "/210000/210100/210102/": a subtree is one
    range scan over the indexed column (see `subtree_clause`)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="area")
    dept_type: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(PathString, index=True)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @property
    def is_centre(self) -> bool:
        return self.kind == "centre"

    @property
    def level_name(self) -> str:
        return UNIT_LEVEL_NAMES[self.level]

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to the parent."""
        return self.path.strip("/").split("/")[:-1]

    def is_ancestor_of(self, other: Unit) -> bool:
        return other.path.startswith(self.path) and other.id != self.id

    def contains(self, other: Unit) -> bool:
        """True for the unit itself and every unit below it."""
        return other.path.startswith(self.path)

    @staticmethod
    def path_for(parent: Unit | None, code: str) -> str:
        return f"{parent.path if parent else '/'}{code}/"

    @staticmethod
    def subtree_clause(path: str):
        """SQL condition: units at or below the unit whose path is `path`. Every path below
        "/a/b/" sorts between "/a/b/" and "/a/b0" ("0" follows "/" in byte order)."""
        return and_(Unit.path >= path, Unit.path < path[:-1] + "0")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
