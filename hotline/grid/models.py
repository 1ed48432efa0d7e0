from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, String, Text, and_, func, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.clock import now
from hotline.core.extensions import Model
from hotline.core.vocabulary import UNIT_LEVEL_NAMES, UNIT_LEVELS

# Byte-wise collation on PostgreSQL so that path ranges and the index agree.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


class Unit(Model):
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
    # GeoJSON geometry (WGS84) of the area: required for grids; an upper-level area
    # without one is the union of its children. Read only where shapes are wanted (the
    # grid index, imports, the unit's own page): a unit comes with every signed-in user,
    # appeal and event, and a real polygon is large.
    boundary: Mapped[dict | None] = mapped_column(deferred=True)

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

    @property
    def is_area(self) -> bool:
        return self.kind == "area"

    @property
    def depth(self) -> int:
        return UNIT_LEVELS.index(self.level)

    def code_at(self, level: str) -> str:
        """The code of this area's ancestor (or itself) at `level`."""
        return self.path.strip("/").split("/")[UNIT_LEVELS.index(level)]

    def ancestors_query(self):
        """Its ancestors, root first: one query on the unique code index."""
        return select(Unit).where(Unit.code.in_(self.ancestor_codes)).order_by(Unit.path)

    @staticmethod
    def path_for(parent: Unit | None, code: str) -> str:
        return f"{parent.path if parent else '/'}{code}/"

    @staticmethod
    def subtree_clause(path: str | ColumnElement[str]):
        """SQL condition: units at or below the unit whose path is `path` (a value, or an
        SQL expression such as a scalar subquery). Every path below "/a/b/" sorts between
        "/a/b/" and "/a/b0" ("0" follows "/" in byte order)."""
        if isinstance(path, str):
            return and_(Unit.path >= path, Unit.path < path[:-1] + "0")
        return and_(Unit.path >= path, Unit.path < func.substr(path, 1, func.length(path) - 1).concat("0"))

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class ResponsibilityRule(Model):
    """One line of the responsibility list (确责清单 / 派单目录): appeals of this category
    (and every category below it), optionally only in this area, are the duty of the area
    government at `target_level` above the place, or of the department of `dept_type`
    hanging on that area."""

    __tablename__ = "responsibility_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    target_kind: Mapped[str] = mapped_column(String(12))  # "area" | "department"
    target_level: Mapped[str] = mapped_column(String(16))
    dept_type: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(default=1)
    basis: Mapped[str | None] = mapped_column(Text)  # 确责依据
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    category = relationship("Category", lazy="joined")
    area: Mapped[Unit | None] = relationship(lazy="joined")

    @hybrid_property
    def is_department_duty(self) -> bool:
        """Whether a department hanging on the area is the one responsible (in SQL too)."""
        return self.target_kind == "department"

    def describe(self) -> str:
        """规则#3：城市管理 / 市容环境 → 区级 城管部门（和平区）"""
        target = (
            f"{UNIT_LEVEL_NAMES[self.target_level]}级{self.dept_type}部门"
            if self.is_department_duty
            else f"{UNIT_LEVEL_NAMES[self.target_level]}级属地"
        )
        scope = f"（限{self.area.name}）" if self.area else ""
        return f"规则#{self.id}：{self.category.full_name} → {target}{scope}"
