"""`Idempotency-Key` for creates: a client that retries a create (a timeout, a lost
answer) gets the first result back and nothing new is made.

The key row is written in the create's own transaction, so a key exists exactly when
its resource does. A key is scoped to its caller (one user, one Open311 client, or the
public) and kept for a day; reusing it with a different request is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import request
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.clock import now
from hotline.core.db import affected, write_transaction
from hotline.core.errors import BadRequest, Conflict
from hotline.core.extensions import Model, db

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
MAX_LENGTH = 255

T = TypeVar("T")


class IdempotencyKey(Model):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request
    resource_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(index=True)


@dataclass
class Once:
    """One create, identified by the caller's key. `replayed` tells the caller whether the
    result was made earlier."""

    scope: str
    key: str
    fingerprint: str
    replayed: bool = False

    def previous(self, session, at: datetime) -> int | None:
        """The id made under this key before, if any. Call inside the create's transaction."""
        row = session.get(IdempotencyKey, (self.scope, self.key))
        if row is None:
            return None
        if row.created_at < at - KEPT_FOR:  # expired: the key is free again
            session.delete(row)
            session.flush()
            return None
        if row.fingerprint != self.fingerprint:
            raise Conflict(
                f"{HEADER} 已用于另一个不同的请求，请为新请求使用新的键", fields={HEADER: "已用于内容不同的请求"}
            )
        self.replayed = True
        return row.resource_id

    def remember(self, session, resource_id: int, at: datetime) -> None:
        session.add(
            IdempotencyKey(
                scope=self.scope, key=self.key, fingerprint=self.fingerprint, resource_id=resource_id, created_at=at
            )
        )


def from_request(scope: str, content: Any) -> Once | None:
    """The request's key, if it sent one; 400 for a malformed key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (1 <= len(key) <= MAX_LENGTH) or not key.isascii() or not key.isprintable():
        raise BadRequest(
            f"{HEADER} 必须是1到{MAX_LENGTH}个可打印 ASCII 字符",
            fields={HEADER: f"必须是1到{MAX_LENGTH}个可打印 ASCII 字符"},
        )
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return Once(scope, key, hashlib.sha256(canonical.encode()).hexdigest())


def run_once(once: Once | None, create: Callable[[], T]) -> T:
    """Run a create; when a concurrent request with the same key committed first (the key's
    primary key is taken), run it again, which now finds and returns the first result."""
    try:
        return create()
    except IntegrityError:
        if once is None:
            raise
        db.session.rollback()
        return create()


def purge(at: datetime | None = None) -> int:
    """Forget keys older than a day (the scheduler's daily job)."""
    cutoff = (at or now()) - KEPT_FOR
    with write_transaction(db.session):
        result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return affected(result)


def openapi_parameter() -> dict:
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": "重试安全：同一键的重复请求返回首次结果，不会重复创建（保留24小时）",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[\\x20-\\x7e]+$"},
    }
