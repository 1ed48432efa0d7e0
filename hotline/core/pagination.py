"""One way every list pages (API and pages alike): `?page=&per_page=` in, and
`{"items", "total", "page", "per_page", "pages"}` out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select

from hotline.core.extensions import db
from hotline.core.validation import Body

MAX_PER_PAGE = 200


class PageQuery(Body):
    page: int = Field(1, ge=1, le=1_000_000, description="页码，从1开始")
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE, description=f"每页条数，最多{MAX_PER_PAGE}")


class Page(BaseModel):
    """What every list answers besides its items."""

    total: int = Field(description="符合条件的总数（total_capped 为 true 时是下限）")
    total_capped: bool = Field(
        False, description="符合条件的超过计数上限：只数到上限为止（total 即上限），以免为计数扫描全部数据"
    )
    page: int
    per_page: int
    pages: int


def paginate(
    source: Select | Sequence[Any], query: PageQuery, *, count_limit: int | None = None, total: int | None = None
) -> tuple[list[Any], dict]:
    """The requested page of a query (counted and cut in SQL) or of a list already in
    memory (short lists whose rows need Python to select), with the page fields.

    With `count_limit`, a query is counted only that far: past it the total says "more
    than this" (`total_capped`) instead of reading every matching row to count them, which
    at a province's size is what made a large unit's list slow. A `total` the caller knows
    already (from a count it made anyway) is not counted again."""
    start = (query.page - 1) * query.per_page
    capped = False
    if isinstance(source, Select):
        counted = source.order_by(None)
        if count_limit is not None:
            counted = counted.limit(count_limit + 1)
        if total is None:
            total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
        if count_limit is not None and total > count_limit:
            total, capped = count_limit, True
        cut = source.offset(start).limit(query.per_page)
        rows: Iterable[Any] = db.session.execute(cut) if start < total or capped else []
        # one entity per row, or the row's tuple when the query selects more than one thing
        items = [row[0] if len(source.column_descriptions) == 1 else tuple(row) for row in rows]
    else:
        rows = list(source)
        total, items = len(rows), rows[start : start + query.per_page]
    return items, {
        "total": total,
        "total_capped": capped,
        "page": query.page,
        "per_page": query.per_page,
        "pages": math.ceil(total / query.per_page),
    }
