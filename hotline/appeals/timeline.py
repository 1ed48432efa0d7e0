"""Writing an appeal's timeline: one append-only event per change, in the change's
transaction, bumping the appeal's version (optimistic locking: whoever saw the old one
gets a 409)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import attributes

from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.db import insert_as_loaded
from hotline.core.extensions import db


def record(
    appeal: Appeal,
    action: str,
    at: datetime,
    actor: User | None,
    *,
    from_state: str | None = None,
    target_unit_id: int | None = None,
    note: str | None = None,
    payload: dict[str, Any] | None = None,
    bump: bool = True,
) -> None:
    """The event of `action` (actor None: the citizen's own, or the system's); `from_state`
    defaults to the state it stays in (photos, 110's feedback). `bump` False: part of an
    action that changes the appeal (and its version) already."""
    if bump:
        appeal.updated_at = at
        attributes.flag_modified(appeal, "updated_at")  # every change bumps the version
    event = AppealEvent(
        appeal_id=appeal.id,
        at=at,
        actor_id=actor.id if actor else None,
        unit_id=actor.unit_id if actor else None,
        action=action,
        from_state=from_state or appeal.state,
        to_state=appeal.state,
        target_unit_id=target_unit_id,
        note=note,
        payload=payload or {},
    )
    insert_as_loaded(db.session, event)  # written now, outside the flush of the appeal's UPDATE
    if "events" in appeal.__dict__:  # loaded with the appeal: the answer shows it without reading it back
        attributes.set_committed_value(appeal, "events", [*appeal.events, event])
