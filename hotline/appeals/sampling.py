"""监督 by sampling, and 核查 on the spot.

Once a round is rated (or the visit could not reach the citizen), the centre audits the
appeal only if it must or if it is drawn: a 差评, a red card, 涉企, 保密 and 申诉 always are
(HOTLINE_AUDIT_ALWAYS), the rest with the share set for its unit (the nearest
`AuditShare` at or above it; none: HOTLINE_AUDIT_SHARE). An appeal not audited passes to
评价 by itself, with an event saying so. A category marked for 核查
(HOTLINE_FIELD_CHECK_CATEGORIES: 城市管理 and the like) first needs the unit of its place
(its grid) to check on the spot, with a photo; only then is it audited or passed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from pydantic import Field
from sqlalchemy import select

from hotline.appeals.models import RED_CARD_EVENT, Appeal, AppealEvent, AuditShare, Deduction
from hotline.appeals.permissions import EDIT_SLA
from hotline.core import audit
from hotline.core.db import write_transaction
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor
from hotline.core.validation import Body, validate
from hotline.core.vocabulary import POOR_RATINGS, UNRATED
from hotline.grid.models import Unit

# The reasons that may always bring an audit, by their setting's name.
ALWAYS: dict[str, tuple[str, Callable[[Appeal], bool]]] = {
    "poor": ("差评", lambda a: a.satisfaction in POOR_RATINGS),
    "red_card": ("红牌督办", lambda a: _had_red_card(a)),
    "enterprise": ("涉企", lambda a: a.is_enterprise),
    "confidential": ("保密", lambda a: a.is_confidential),
    "contest": ("申诉", lambda a: bool(a.contests)),
    "unrated": ("未评价", lambda a: a.satisfaction == UNRATED),
}
SAMPLED = "抽查"
CHECK = "现场核查"
FALSE_CLOSE = "虚假办结"


def _had_red_card(appeal: Appeal) -> bool:
    red = select(AppealEvent.id).where(AppealEvent.appeal_id == appeal.id, RED_CARD_EVENT)
    return bool(db.session.scalar(select(red.exists())))


@dataclass(frozen=True)
class AuditPlan:
    """What happens to an appeal entering 监督."""

    reasons: list[str] = field(default_factory=list)  # why a person must audit it
    check_unit: Unit | None = None  # who must check it on the spot first
    share: float = 0.0
    sampled: bool = False

    @property
    def waits(self) -> bool:
        """Whether it stays in 监督 (for the 核查 or a person); else it passes by itself."""
        return bool(self.reasons or self.check_unit or self.sampled)

    @property
    def reason(self) -> str | None:
        return "、".join([*self.reasons, *([SAMPLED] if self.sampled else [])]) or None

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"audit": self.reason or "自动通过", "audit_share": self.share}
        if self.check_unit is not None:
            details["check_unit_id"] = self.check_unit.id
        return details


def plan(appeal: Appeal, roll: Callable[[], float] = random.random) -> AuditPlan:
    """Whether the appeal waits in 监督, and why (a 核查 still to do comes first)."""
    always = current_app.config["HOTLINE_AUDIT_ALWAYS"]
    reasons = [label for name, (label, applies) in ALWAYS.items() if name in always and applies(appeal)]
    check_unit = None
    if needs_check(appeal):
        check_unit = appeal.grid or appeal.place_unit
        if check_unit is None:  # nowhere to send the check: the centre audits it instead
            reasons.append(CHECK)
    share = share_for(appeal.main_unit)
    sampled = not reasons and check_unit is None and roll() < share
    return AuditPlan(reasons, check_unit, share, sampled)


def needs_check(appeal: Appeal) -> bool:
    """A unit's answer in a field-check category, not yet checked this round."""
    codes = current_app.config["HOTLINE_FIELD_CHECK_CATEGORIES"]
    return (
        appeal.main_unit_id is not None
        and appeal.checked_at is None
        and any(appeal.category.code.startswith(code) for code in codes)
    )


def share_for(unit: Unit | None) -> float:
    """The audit share of a unit: its own or the nearest unit's above it, else the setting."""
    if unit is not None:
        own = db.session.scalar(
            select(AuditShare.share)
            .join(Unit, Unit.id == AuditShare.unit_id)
            .where(Unit.code.in_([*unit.ancestor_codes, unit.code]))
            .order_by(Unit.path.desc())
            .limit(1)
        )
        if own is not None:
            return float(own)
    return float(current_app.config["HOTLINE_AUDIT_SHARE"])


def deduct(appeal: Appeal, at: datetime, by_id: int | None) -> dict[str, Any]:
    """虚假办结: the unit that answered loses the configured points for this appeal."""
    assert appeal.main_unit_id is not None, "only a unit's answer is found false"
    points = float(current_app.config["HOTLINE_FALSE_CLOSE_POINTS"])
    db.session.add(
        Deduction(
            appeal_id=appeal.id, unit_id=appeal.main_unit_id, reason=FALSE_CLOSE, points=points, at=at, by_id=by_id
        )
    )
    return {"deduction": FALSE_CLOSE, "points": points}


class AuditShareBody(Body):
    percent: int | None = Field(
        ge=0, le=100, title="抽查比例", description="百分比；为空即取消，沿用上级单位或默认比例"
    )


def audit_shares() -> list[AuditShare]:
    """The units with a share of their own, in the tree's order."""
    return list(db.session.scalars(select(AuditShare).join(AuditShare.unit).order_by(Unit.path)))


def default_percent() -> int:
    return round(100 * float(current_app.config["HOTLINE_AUDIT_SHARE"]))


def set_audit_share(code: str, data: Any, actor: Actor) -> tuple[Unit, AuditShare | None]:
    """A unit's own share of audited appeals (None: it takes the one above it again)."""
    EDIT_SLA.require(actor)
    body = validate(AuditShareBody, data, "抽查比例")
    if not code:
        raise BadRequest("请求内容有误：单位编码：必填", fields={"unit": "必填"})
    with write_transaction(db.session):
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise NotFound(f"没有编码为「{code}」的单位")
        row = db.session.get(AuditShare, unit.id)
        before = round(row.share * 100) if row else None
        if body.percent is None:
            if row is not None:
                db.session.delete(row)
            row = None
        else:
            row = row or AuditShare(unit_id=unit.id, unit=unit)
            row.share = body.percent / 100
            db.session.add(row)
        audit.record(actor, "audit_share", code, "update", {"before": before, "after": body.percent})
    return unit, row
