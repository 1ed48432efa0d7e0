from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.clock import now
from hotline.core.extensions import Model
from hotline.core.vocabulary import Role
from hotline.grid.models import Unit


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Bumped to end every page session of the user at once (sign-out, new password,
    # deactivation, a move or new roles): a session carries the epoch it began in.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(cast(Role, row.role) for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def at_centre(self) -> bool:
        return self.unit.is_centre

    @property
    def area_level(self) -> str | None:
        """The level of the user's area unit (province … grid); None at a department or the centre."""
        return self.unit.level if self.unit.kind == "area" else None

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="joined")
