"""A psycopg cursor that describes its results only when asked (PostgreSQL only)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg.pq import ExecStatus

_WITH_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class DescribedOnDemand(psycopg.Cursor):
    """`description` builds its Column objects on first use. SQLAlchemy asks for the
    description of every result, but for a statement whose compiled form it has cached
    (nearly every one) it only checks that there is one; psycopg built a Column per
    column each time, about a twentieth of an action's CPU (an appeal with its timeline
    and the sign-in read some 250 columns)."""

    @property
    def description(self) -> Sequence[psycopg.Column] | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _WITH_ROWS):
            return _Columns(self, result, result.nfields)
        return None


class _Columns(Sequence[psycopg.Column]):
    """One result's description, built when first read: what psycopg would have built."""

    __slots__ = ("_built", "_count", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor, result: Any, count: int) -> None:
        self._cursor, self._result, self._count = cursor, result, count
        self._built: list[psycopg.Column] | None = None

    def _columns(self) -> list[psycopg.Column]:
        if self._built is None:
            # A Column reads the cursor's current result: it must still be this one.
            if self._cursor.pgresult is not self._result:
                raise RuntimeError("a result's description was first read after the cursor moved on")
            self._built = [psycopg.Column(self._cursor, i) for i in range(self._count)]
        return self._built

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...
    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...
    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._columns()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._columns())
