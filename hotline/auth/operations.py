"""Accounts and credentials, and their administration."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from pydantic import Field, field_validator
from sqlalchemy import ColumnElement, Select, bindparam, delete, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import ApiToken, User, UserRole
from hotline.auth.permissions import MANAGE_ACCOUNTS
from hotline.core import audit, revisions
from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.validation import Body, Id, invalid, validate
from hotline.core.vocabulary import ROLES, Role
from hotline.grid.models import Unit


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when the username does not exist: made with the method real
    passwords are hashed with, so an unknown name costs the same time as a known one and
    the answer's timing does not tell which usernames exist."""
    return generate_password_hash("not a password", method=method)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["HOTLINE_PASSWORD_METHOD"])


def new_user(username: str, display_name: str, unit_id: int, roles: list[str], *, password_hash: str) -> User:
    """A user to add to the session (the caller owns the transaction)."""
    user = User(username=username, display_name=display_name, unit_id=unit_id, password_hash=password_hash)
    user.role_rows = [UserRole(role=r) for r in roles]
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["HOTLINE_PASSWORD_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, at: datetime | None = None) -> tuple[str, ApiToken]:
    at = at or now()
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["HOTLINE_TOKEN_TTL_HOURS"])
    with write_transaction(db.session):
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < at))
        token = ApiToken(user_id=user.id, token_hash=_digest(raw), created_at=at, expires_at=at + ttl)
        db.session.add(token)
    return raw, token


def _token_statement(tokens: ColumnElement[Any]) -> Select:
    """One statement: the token, its user, the user's roles, and the revision `tokens` the
    request's caches will ask for."""
    return (
        select(ApiToken, tokens)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user).joinedload(User.role_rows))
    )


def user_for_token(raw: str, at: datetime | None = None) -> User | None:
    at = at or now()
    token = revisions.first_with_tokens(_token_statement, {"token_hash": _digest(raw)})
    if token is None or token.expires_at <= at or not token.user.active:
        return None
    return token.user


def revoke_token(raw: str) -> None:
    with write_transaction(db.session):
        db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(raw)))


# ------------------------------------------------------------------ administration (admins only)

USERNAME = r"^[A-Za-z0-9_.\-]+$"
# Roles that work at the hotline centre itself, and the one that works in a unit.
CENTRE_ROLES: frozenset[Role] = frozenset({"operator", "dispatcher", "visitor"})
UNIT_ROLES: frozenset[Role] = frozenset({"handler"})


class UserBody(Body):
    display_name: str | None = Field(None, min_length=1, max_length=100, title="姓名")
    unit_id: Id | None = Field(None, title="所属单位")
    roles: list[Role] | None = Field(None, min_length=1, max_length=len(ROLES), title="角色")
    active: bool | None = Field(None, title="状态")


class PasswordBody(Body):
    password: str = Field(min_length=8, max_length=200, title="密码", description="至少8位，同时包含字母和数字")

    @field_validator("password")
    @classmethod
    def _strong_enough(cls, value: str) -> str:
        if not (any(c.isalpha() for c in value) and any(c.isdigit() for c in value)):
            raise ValueError("密码至少8位，且须同时包含字母和数字")
        return value


class UserCreate(UserBody, PasswordBody):
    username: str = Field(
        min_length=3, max_length=64, pattern=USERNAME, title="用户名", description="3–64位字母、数字、下划线、点或横线"
    )
    display_name: str = Field(min_length=1, max_length=100, title="姓名")
    unit_id: Id = Field(title="所属单位")
    roles: list[Role] = Field(min_length=1, max_length=len(ROLES), title="角色")


def _check_placement(unit: Unit | None, roles: set[Role]) -> Unit:
    """Centre roles work at the centre; handlers work in a unit."""
    if unit is None or not unit.active:
        raise invalid("unit_id", "没有这个单位")
    if not unit.is_centre and roles & CENTRE_ROLES:
        names = "、".join(ROLES[r] for r in sorted(roles & CENTRE_ROLES))
        raise invalid("roles", f"{names}只能设在热线中心")
    if unit.is_centre and roles & UNIT_ROLES:
        raise invalid("roles", "承办人必须属于承办单位，不能设在热线中心")
    return unit


def get_user(user_id: int, actor: User) -> User:
    MANAGE_ACCOUNTS.require(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("没有这个账号")
    return user


def users_query(
    actor: User,
    *,
    unit_id: int | None = None,
    role: str | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> Select:
    MANAGE_ACCOUNTS.require(actor)
    stmt = select(User).order_by(User.id)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if role is not None:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if q:
        stmt = stmt.where(
            or_(User.username.contains(q, autoescape=True), User.display_name.contains(q, autoescape=True))
        )
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt


def create_user(data: Mapping[str, Any], actor: User) -> User:
    MANAGE_ACCOUNTS.require(actor)
    body = validate(UserCreate, data)
    roles = set(body.roles)
    with write_transaction(db.session):
        _check_placement(db.session.get(Unit, body.unit_id), roles)
        if db.session.scalar(select(User.id).where(func.lower(User.username) == body.username.lower())):
            raise Conflict(f"用户名 {body.username} 已被使用", fields={"username": "已被使用"})
        user = new_user(
            body.username, body.display_name, body.unit_id, sorted(roles), password_hash=hash_password(body.password)
        )
        user.active = body.active if body.active is not None else True
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "user", user.id, "create", _described(user))
    return user


def update_user(user_id: int, data: Mapping[str, Any], actor: User) -> User:
    MANAGE_ACCOUNTS.require(actor)
    body = validate(UserBody, data)
    with write_transaction(db.session):
        user = get_user(user_id, actor)
        before = _described(user)
        roles: set[Role] = set(body.roles) if body.roles is not None else set(user.roles)
        unit = _check_placement(db.session.get(Unit, body.unit_id) if body.unit_id is not None else user.unit, roles)
        if user.id == actor.id and (body.active is False or "admin" not in roles):
            raise Conflict("不能停用自己的账号或取消自己的管理员角色（以免无人能管理账号）")
        if body.display_name is not None:
            user.display_name = body.display_name
        user.unit = unit
        if roles != set(user.roles):
            user.role_rows = [UserRole(role=r) for r in sorted(roles)]
        if body.active is not None:
            user.active = body.active
        if not user.active or user.unit_id != before["unit_id"] or roles != set(before["roles"]):
            end_sessions(user)  # what the sessions and tokens were issued for no longer holds
        db.session.flush()
        audit.record(actor, "user", user.id, "update", {"before": before, "after": _described(user)})
    return user


def set_password(user_id: int, data: Mapping[str, Any], actor: User) -> User:
    MANAGE_ACCOUNTS.require(actor)
    body = validate(PasswordBody, data)
    with write_transaction(db.session):
        user = get_user(user_id, actor)
        user.password_hash = hash_password(body.password)
        end_sessions(user)
        audit.record(actor, "user", user.id, "password", {"username": user.username})
    return user


def end_sessions(user: User) -> None:
    """End every page session and API token of the user (in the caller's transaction)."""
    user.session_epoch += 1
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def sign_out_everywhere(user: User) -> None:
    """签退: the user's sessions on every device and their tokens end."""
    with write_transaction(db.session):
        end_sessions(db.session.get_one(User, user.id))


def _described(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "roles": sorted(user.roles),
        "active": user.active,
    }
