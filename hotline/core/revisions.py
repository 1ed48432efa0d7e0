"""Revision tokens for data that processes cache (grid polygons, the calendar …).

A change sets a fresh random token in the same transaction; a cache compares the token it
was built from with the current one (one primary-key read) and rebuilds when they differ,
so every web and worker process sees the change without restarting. Random, not a
counter: a database emptied and loaded again can never repeat an old token.

Within one transaction the tokens are read once, all of them in one statement: an intake
needs the grid's, an action that computes deadlines the calendar's and the policies', many
times over; a change made by another transaction meanwhile is not one it could see anyway."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy import JSON, ColumnElement, Select, String, event, func, select
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from hotline.core.db import upsert
from hotline.core.extensions import Model, db


class Revision(Model):
    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


_READ = "hotline.revisions"  # session.info: the tokens this transaction has read


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_READ, None)


def bump(name: str) -> None:
    """Record a change of `name` (inside the caller's transaction)."""
    set_token(name, uuid.uuid4().hex)


def set_token(name: str, token: str) -> None:
    """Record what `name` was built from (inside the caller's transaction)."""
    db.session.execute(
        upsert(db.session, Revision)
        .values(name=name, token=token)
        .on_conflict_do_update(index_elements=["name"], set_={"token": token})
    )
    _tokens()[name] = token


def current(name: str) -> str:
    return _tokens().get(name, "")


def first_with_tokens(build: Callable[[ColumnElement[Any]], Select[Any]], params: dict[str, Any]) -> Any:
    """The first entity of the first row of the statement `build(tokens)` makes, or None:
    `tokens` is every revision token as one column, for `build` to add last to a statement
    the transaction runs anyway (the request's sign-in), which then reads no tokens of its
    own (a round trip fewer on PostgreSQL for every request that uses a cache). The
    statement is built once per database kind: give a module's function."""
    row = db.session.execute(_with_tokens(build, db.session.get_bind().dialect.name), params).first()
    if row is None:
        return None
    db.session.info[_READ] = row[-1] or {}
    return row[0]


@functools.cache
def _with_tokens(build: Callable[[ColumnElement[Any]], Select[Any]], dialect: str) -> Select[Any]:
    gather = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    return build(select(gather(Revision.name, Revision.token, type_=JSON)).scalar_subquery())


def _tokens() -> dict[str, str]:
    """Every token, as this transaction reads them (one statement, the first time)."""
    read = db.session.info.get(_READ)
    if read is None:
        read = db.session.info[_READ] = dict(db.session.execute(select(Revision.name, Revision.token)).tuples().all())
    return read


T = TypeVar("T")


class Cached(Generic[T]):
    """A value each process builds from the database (the grid index, the calendar, the
    SLA policies …) and keeps, per database, until revision `name` changes."""

    def __init__(self, name: str, build: Callable[[], T]) -> None:
        self.name = name
        self.build = build
        self._lock = threading.Lock()
        self._values: dict[str, tuple[str, T]] = {}

    def get(self) -> T:
        key = current_app.config["SQLALCHEMY_DATABASE_URI"]
        token = current(self.name)
        held = self._values.get(key)
        if held is None or held[0] != token:
            with self._lock:  # one build at a time; a thread that waited may find it done
                held = self._values.get(key)
                if held is None or held[0] != token:
                    held = self._values[key] = (token, self.build())
        return held[1]
