"""工单编号: YYYYMMDD (local day) + 2-digit channel + 6-digit sequence of that day and channel.

The day's counter row is bumped with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so two
intakes never get the same number. On PostgreSQL the bump runs in a transaction of its own
(autocommit, like `nextval`): the row is locked for that one statement, not for the whole
intake, so concurrent intakes do not queue behind each other. The price is the sequence's:
a number taken by an intake that then fails is never used, so a day's numbers may have a
gap (they stay unique and ascending in the order they were taken). On SQLite every write
transaction already holds the database's single write lock, so the number is taken inside
the intake's transaction and a failed intake gives its number back.

On PostgreSQL the same statement also draws the new appeal's id from its sequence, so the
intake knows the id before it writes anything and writes its rows in one flush."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session, scoped_session

from hotline.appeals.models import AppealNumberCounter
from hotline.core.clock import format_local
from hotline.core.db import upsert
from hotline.core.errors import Conflict
from hotline.core.vocabulary import CHANNELS, Channel

MAX_DAILY = 999_999


# The PostgreSQL form. Plain SQL: SQLAlchemy cannot cache the compiled upsert, and this runs
# on every intake. Its own commit does not wait for the disk (synchronous_commit off, for
# this statement only): every intake bumps this one row, and waiting for each flush made it
# the queue all intakes stood in. No committed appeal can lose its number that way: the bump
# precedes the appeal's commit in the log, and that commit does wait for the flush.
_BUMP_SQL = (
    "INSERT INTO appeal_number_counters (day, channel_code, last) "
    "SELECT %(day)s, %(code)s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed "
    "ON CONFLICT (day, channel_code) DO UPDATE SET last = appeal_number_counters.last + 1 "
    "RETURNING last, nextval(pg_get_serial_sequence('appeals', 'id'))"
)


class Numbered(NamedTuple):
    number: str
    appeal_id: int | None  # drawn with the number on PostgreSQL; SQLite assigns it on insert


def next_number(session: Session | scoped_session[Any], channel: Channel, at: datetime) -> Numbered:
    day = format_local(at, "%Y%m%d")
    code = CHANNELS[channel]
    bind = session.get_bind()
    appeal_id = None
    if bind.dialect.name == "postgresql":
        with bind.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
            sequence, appeal_id = own.exec_driver_sql(_BUMP_SQL, {"day": day, "code": code}).one()
    else:
        stmt = (
            upsert(session, AppealNumberCounter)
            .values(day=day, channel_code=code, last=1)
            .on_conflict_do_update(index_elements=["day", "channel_code"], set_={"last": AppealNumberCounter.last + 1})
            .returning(AppealNumberCounter.last)
        )
        sequence = session.execute(stmt).scalar_one()
    if sequence > MAX_DAILY:
        raise Conflict(f"渠道「{channel}」今日工单编号已用尽")
    return Numbered(f"{day}{code}{sequence:06d}", appeal_id)
