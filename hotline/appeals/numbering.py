"""工单编号: YYYYMMDD (local day) + 2-digit channel + 6-digit sequence of that day and channel.

The counter row is bumped with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so two
transactions never get the same number; a number whose transaction rolls back was never
issued to anyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from hotline.appeals.models import AppealNumberCounter
from hotline.core.clock import format_local
from hotline.core.db import upsert
from hotline.core.errors import Conflict
from hotline.core.vocabulary import CHANNELS, Channel

MAX_DAILY = 999_999


def next_number(session: Session | scoped_session[Any], channel: Channel, at: datetime) -> str:
    day = format_local(at, "%Y%m%d")
    code = CHANNELS[channel]
    stmt = (
        upsert(session, AppealNumberCounter)
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
