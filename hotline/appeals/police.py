"""12345 ↔ 110 (国办发〔2022〕12号): the hand-overs themselves are written by the actions
(转110 voids the appeal with the 110 desk's receipt; intake records a 110转入); here the
feedback 110 gives afterwards on what it did, recorded by the centre on the appeal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field

from hotline.appeals import timeline
from hotline.appeals.models import PoliceHandover
from hotline.appeals.visibility import find_appeal
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.errors import Conflict
from hotline.core.extensions import db
from hotline.core.permissions import at_centre
from hotline.core.validation import Body, validate

RECORD_FEEDBACK = at_centre(
    "operator", "dispatcher", "supervisor", refusal="只有热线中心的话务员、派单员或督办员可以登记110反馈"
)


class PoliceFeedbackBody(Body):
    feedback: str = Field(min_length=1, max_length=2000, title="110处置反馈")


def awaiting_feedback(handovers: list[PoliceHandover]) -> PoliceHandover | None:
    """The hand-over to 110 still without its feedback, if any."""
    return next((h for h in reversed(handovers) if h.direction == "to_110" and h.feedback is None), None)


def record_feedback(ref: int | str, data: Mapping[str, Any], actor: User, at: datetime | None = None) -> PoliceHandover:
    """110's feedback on an appeal handed to it, on the hand-over record and the timeline."""
    RECORD_FEEDBACK.require(actor)
    body = validate(PoliceFeedbackBody, data)
    at = at or now()
    with write_transaction(db.session):
        appeal = find_appeal(ref, actor)
        handover = awaiting_feedback(appeal.police_handovers)
        if handover is None:
            raise Conflict("本件没有待登记反馈的转110记录")
        handover.feedback, handover.feedback_at = body.feedback, at
        payload = {"incident_number": handover.incident_number}
        timeline.record(appeal, "police_feedback", at, actor, note=body.feedback, payload=payload)
    return handover
