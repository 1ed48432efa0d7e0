"""A category by its code without a read: each process keeps the taxonomy (a few hundred
rows, changed only when it is loaded again) until its revision changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.categories.models import Category
from hotline.core import revisions
from hotline.core.extensions import db

REVISION = "categories"


def _taxonomy() -> dict[str, Category]:
    # Its own session: the objects kept outlive every request's.
    with Session(db.engine, expire_on_commit=False) as session:
        categories = {c.code: c for c in session.scalars(select(Category))}
        session.expunge_all()
    return categories


_cached = revisions.Cached(REVISION, _taxonomy)


def by_code(code: str) -> Category | None:
    """The category `code`, as an object of the current session (merged from the kept
    copy, so nothing is read)."""
    kept = _cached.get().get(code)
    return None if kept is None else db.session.merge(kept, load=False)
