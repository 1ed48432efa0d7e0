"""How the API shows accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.auth.models import User
from hotline.grid.presenters import UnitRef


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    unit: UnitRef
    roles: list[str]

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            unit=UnitRef.of(user.unit),
            roles=sorted(user.roles),
        )
