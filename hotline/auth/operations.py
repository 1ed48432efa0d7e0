"""Accounts and credentials."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import ApiToken, User, UserRole
from hotline.clock import now
from hotline.db import write_transaction
from hotline.extensions import db

# Compared against when the username does not exist, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["HOTLINE_PASSWORD_METHOD"])


def new_user(username: str, display_name: str, unit_id: int, roles: list[str], *,
             password_hash: str) -> User:
    """A user to add to the session (the caller owns the transaction)."""
    user = User(username=username, display_name=display_name, unit_id=unit_id,
                password_hash=password_hash)
    user.role_rows = [UserRole(role=r) for r in roles]
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
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


def user_for_token(raw: str, at: datetime | None = None) -> User | None:
    at = at or now()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.expires_at <= at or not token.user.active:
        return None
    return token.user


def revoke_token(raw: str) -> None:
    with write_transaction(db.session):
        db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(raw)))
