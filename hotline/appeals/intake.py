"""受理: registering an appeal. `create_appeal` is the console's (a call, a letter, a 110
hand-over, something found on patrol); `register` is what every intake shares — the
console, citizen reports and Open311 — numbering, placing, logging and texting the receipt
in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from hotline.appeals import effects, permissions
from hotline.appeals.deadlines import start_dispatch_clock
from hotline.appeals.models import Appeal, AppealEvent, PoliceHandover
from hotline.appeals.numbering import next_number
from hotline.appeals.schemas import AppealCreate
from hotline.appeals.states import INITIAL_STATE
from hotline.auth.models import User
from hotline.categories import lookup
from hotline.core.clock import now
from hotline.core.db import insert_as_loaded, inserts_together, write_transaction
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.fulltext import APPEALS
from hotline.core.idempotency import Once, run_once
from hotline.core.validation import invalid, validate
from hotline.core.vocabulary import STAFF_CHANNELS
from hotline.grid.geo import Placement, placement

# Every one-to-many relationship of an appeal (what a new one has none of).
_COLLECTIONS = tuple(r.key for r in Appeal.__mapper__.relationships if r.uselist)
# How far a telephone system's call time may lie from now.
RECEIVED_AT_PAST = timedelta(days=7)
RECEIVED_AT_FUTURE = timedelta(minutes=5)


def create_appeal(
    data: Mapping[str, Any], actor: User, *, at: datetime | None = None, once: Once | None = None
) -> Appeal:
    """受理 at the console, by the centre's operators and dispatchers."""
    at = at or now()
    permissions.REGISTER.require(actor)
    body = validate(AppealCreate, data)
    fields = {}
    if body.channel not in STAFF_CHANNELS:
        fields["channel"] = f"「{body.channel}」渠道的诉求由其自身入口登记"
    if body.received_at is not None:
        if not permissions.SET_CALL_TIME.allows(actor):
            fields["received_at"] = permissions.SET_CALL_TIME.refusal
        elif not (at - RECEIVED_AT_PAST <= body.received_at <= at + RECEIVED_AT_FUTURE):
            fields["received_at"] = "来电时间必须在最近7天内且不晚于当前时间"
    if fields:
        raise BadRequest("请求内容有误：" + "；".join(f"{k}：{v}" for k, v in fields.items()), fields=fields)
    return register(body, actor=actor, at=at, received_at=body.received_at, once=once)


def register(
    body: AppealCreate,
    *,
    at: datetime,
    actor: User | None = None,
    received_at: datetime | None = None,
    once: Once | None = None,
    place: Placement | None = None,
    details: dict[str, Any] | None = None,
    attach: Callable[[Appeal], None] | None = None,
) -> Appeal:
    """受理 proper, for every intake. `actor` is None when the citizen filed it; `place`
    overrides routing by the point; `attach(appeal)` adds the intake's own rows in the same
    transaction. With `once`, a retry of the same request returns the first appeal."""

    def create() -> Appeal:
        with write_transaction(db.session):
            if once is not None and (previous := once.previous(db.session, at)) is not None:
                earlier = db.session.get(Appeal, previous)
                assert earlier is not None, "an idempotency key names the appeal it created"
                return earlier
            category = lookup.by_code(body.category)
            if category is None or not category.active or not category.is_leaf:
                reason = "不是末级分类" if category is not None and category.active else "没有这个分类"
                raise invalid("category", reason)
            values = body.model_dump(exclude={"category", "received_at", "police_desk"})
            if body.is_anonymous:
                values["citizen_name"] = None
            where = place or placement(body.lon, body.lat)
            numbered = next_number(db.session, body.channel, at)
            appeal = Appeal(
                **values,
                id=numbered.appeal_id,
                grid_id=where.grid_id,
                place_unit_id=where.unit_id,
                place_note=where.reason,
                number=numbered.number,
                query_code=f"{secrets.randbelow(10**6):06d}",
                category_id=category.id,
                state=INITIAL_STATE,
                received_at=received_at or at,
                created_at=at,
                updated_at=at,
                created_by_id=actor.id if actor else None,
            )
            start_dispatch_clock(appeal, appeal.received_at)
            # The appeal, its first event, the receipt SMS and the search document: one
            # statement on PostgreSQL (the appeal's key came with its number), one by one on
            # SQLite.
            with inserts_together(db.session):
                insert_as_loaded(db.session, appeal)
                created = AppealEvent(
                    appeal_id=appeal.id,
                    at=at,
                    actor_id=actor.id if actor else None,
                    unit_id=actor.unit_id if actor else None,
                    action="create",
                    from_state=None,
                    to_state=appeal.state,
                    payload={
                        "channel": body.channel,
                        **{k: v for k in ("police_incident", "police_desk") if (v := getattr(body, k))},
                        **(details or {}),
                        "place": {"grid_id": where.grid_id, "unit_id": where.unit_id, "reason": where.reason},
                    },
                )
                insert_as_loaded(db.session, created)
                effects.text_citizen(appeal, "sms.accepted")
                # Searchable at once (the operator may look it up the next minute).
                APPEALS.put(db.session, appeal)
            set_committed_value(appeal, "category", category)
            handed = _from_110(body, appeal, at, actor)
            if attach is not None:
                attach(appeal)
            # A new appeal's timeline is this one event and its other collections (co-units,
            # extensions, pauses, contests …) are empty: say so, so that presenting it after
            # the commit reads nothing back.
            for collection in _COLLECTIONS:
                set_committed_value(appeal, collection, [])
            set_committed_value(appeal, "events", [created])
            set_committed_value(appeal, "police_handovers", handed)
            if once is not None:
                once.remember(db.session, appeal.id, at)
        return appeal

    return run_once(once, create)


def _from_110(body: AppealCreate, appeal: Appeal, at: datetime, actor: User | None) -> list[PoliceHandover]:
    """110转入: the hand-over from 110, with its incident number and desk, received now."""
    if body.channel != "110转入":
        return []
    handover = PoliceHandover(
        appeal=appeal,
        direction="from_110",
        incident_number=body.police_incident,
        handed_at=appeal.received_at,
        desk=body.police_desk,
        receipt_at=at,
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(handover)
    return [handover]
