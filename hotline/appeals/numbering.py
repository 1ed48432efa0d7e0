"""工单编号: YYYYMMDD (local day) + 2-digit channel + 6-digit sequence of that day and channel.

The counter row is bumped with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so two
transactions never get the same number; a number whose transaction rolls back was never
issued to anyone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from hotline.appeals.models import AppealNumberCounter
from hotline.core.clock import to_local
from hotline.core.errors import Conflict
from hotline.core.vocabulary import CHANNELS

MAX_DAILY = 999_999
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def next_number(session, channel: str, at: datetime) -> str:
    day = to_local(at).strftime("%Y%m%d")
    code = CHANNELS[channel]
    insert = _INSERTS[session.get_bind().dialect.name]
    stmt = (
        insert(AppealNumberCounter)
        .values(day=day, channel_code=code, last=1)
        .on_conflict_do_update(
            index_elements=["day", "channel_code"],
            set_={"last": AppealNumberCounter.last + 1},
        )
        .returning(AppealNumberCounter.last)
    )
    sequence = session.execute(stmt).scalar_one()
    if sequence > MAX_DAILY:
        raise Conflict(f"渠道「{channel}」今日工单编号已用尽")
    return f"{day}{code}{sequence:06d}"
