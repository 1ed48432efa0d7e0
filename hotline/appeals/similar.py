"""重复诉求: the recent appeals that may be about the same problem as a draft or an appeal.

Candidates come from what a duplicate shares and an index can find at a province's size:
the caller's phone, the grid (and the grids of its community, for a point near a grid's
edge) and the same address words (for the calls that come with an address and no point). Each candidate is scored on
all signals together (same caller; how many metres apart, or the same grid when a point
is missing; same category; how much of the text is the same) with the reasons shown to the operator; those above
the threshold are listed open ones first, then by score. Weights and threshold were set
on bench/duplicates.py's generated set (which prints their precision and recall)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from pydantic import Field
from sqlalchemy import or_, select

from hotline.appeals.models import Appeal
from hotline.appeals.permissions import FIND_SIMILAR
from hotline.appeals.queries import audit_phone_look_up
from hotline.appeals.states import FINAL_STATES, State
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.extensions import db
from hotline.core.fulltext import APPEALS, terms
from hotline.core.validation import CHINA_LAT, CHINA_LON, Body, normalize_phone
from hotline.grid.geo import placement
from hotline.grid.models import Unit

# Open appeals a new one can be merged into (并单): before the unit has replied (反馈).
MERGEABLE_STATES = frozenset(
    {State.ACCEPTED, State.DISPATCHED, State.RETURNING, State.HANDLING, State.SUPERVISED, State.PAUSED}
)
# Closed appeals a new one can be linked to as a repeat (重复诉求).
REPEATABLE_STATES = frozenset({State.REVISITING, State.AUDITING, State.EVALUATED})

SAME_CALLER = 0.35
SAME_GRID = 0.2
NEAR = 0.3  # within NEAR_METRES, falling to nothing at twice that
NEAR_METRES = 100
FAR = 0.2  # taken off when both points are known and further apart than FAR_METRES
FAR_METRES = 500
SAME_ADDRESS = 0.25
SAME_CATEGORY = 0.2
SAME_PARENT_CATEGORY = 0.1
TEXT = 0.4  # times the share of the shorter text's words the other holds
THRESHOLD = 0.5
LIMIT = 10
# Candidates read per source: a grid holds about a hundred appeals a month at a province's size.
PER_SOURCE = 500


class Draft(Body):
    """What the operator has typed so far (every field optional)."""

    category: str | None = Field(None, max_length=16, description="分类编码")
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=4000)
    address: str | None = Field(None, max_length=200)
    lat: float | None = Field(None, ge=CHINA_LAT[0], le=CHINA_LAT[1], description="WGS84 纬度")
    lon: float | None = Field(None, ge=CHINA_LON[0], le=CHINA_LON[1], description="WGS84 经度")
    citizen_phone: str | None = Field(None, max_length=30, description="来电号码（+86、空格、横线均可）")


@dataclass
class Candidate:
    appeal: Appeal
    score: float
    reasons: list[str]

    @property
    def open(self) -> bool:
        return self.appeal.state not in FINAL_STATES

    @property
    def mergeable(self) -> bool:
        return self.appeal.state in MERGEABLE_STATES

    @property
    def repeatable(self) -> bool:
        return self.appeal.state in REPEATABLE_STATES


@dataclass(frozen=True)
class Probe:
    """A draft or an appeal, as the scoring sees it."""

    category: Category | None
    words: frozenset[str]
    address_words: frozenset[str]
    lat: float | None
    lon: float | None
    grid_id: int | None
    phone: str | None
    exclude_id: int | None = None


def similar_to_draft(draft: Draft, actor: User, at: datetime) -> list[Candidate]:
    FIND_SIMILAR.require(actor)
    category = None
    if draft.category:
        category = db.session.scalar(select(Category).where(Category.code == draft.category))
    phone = None
    if draft.citizen_phone:
        try:
            phone = normalize_phone(draft.citizen_phone)
        except ValueError:
            phone = None  # not a number yet: the operator is still typing it
        else:
            audit_phone_look_up(actor, phone)  # the caller's appeals are looked up by it
    return _similar(
        Probe(
            category=category,
            words=frozenset(terms(f"{draft.title or ''} {draft.content or ''}")),
            address_words=frozenset(terms(draft.address)),
            lat=draft.lat,
            lon=draft.lon,
            grid_id=placement(draft.lon, draft.lat).grid_id,
            phone=phone,
        ),
        at,
    )


def similar_to_appeal(appeal: Appeal, actor: User, at: datetime) -> list[Candidate]:
    FIND_SIMILAR.require(actor)
    return _similar(
        Probe(
            category=appeal.category,
            words=frozenset(terms(f"{appeal.title} {appeal.content}")),
            address_words=frozenset(terms(appeal.address)),
            lat=appeal.lat,
            lon=appeal.lon,
            grid_id=appeal.grid_id,
            phone=appeal.citizen_phone,
            exclude_id=appeal.id,
        ),
        at,
    )


def _similar(probe: Probe, at: datetime) -> list[Candidate]:
    since = at - timedelta(days=current_app.config["HOTLINE_SIMILAR_DAYS"])
    recent = [Appeal.received_at >= since, Appeal.state.not_in((State.MERGED, State.VOIDED))]
    if probe.exclude_id is not None:
        recent.append(Appeal.id != probe.exclude_id)
    sources = []
    if probe.phone:
        sources.append(Appeal.citizen_phone == probe.phone)
    if probe.grid_id is not None:
        sources.append(Appeal.grid_id.in_(_grids_around(probe.grid_id)))
    if probe.address_words and (words := APPEALS.ids(db.session, " ".join(sorted(probe.address_words)))) is not None:
        sources.append(Appeal.id.in_(words))  # the same address words (a call often has no point)
    if not sources:
        return []
    found: dict[int, Appeal] = {}
    for source in sources:
        stmt = select(Appeal).where(source, *recent).order_by(Appeal.received_at.desc()).limit(PER_SOURCE)
        found.update((a.id, a) for a in db.session.scalars(stmt))
    scored = [c for c in (_score(probe, a) for a in found.values()) if c.score >= THRESHOLD]
    scored.sort(key=lambda c: (not c.open, -c.score, -c.appeal.id))
    return scored[:LIMIT]


def _grids_around(grid_id: int):
    """The grid and the other grids of its community."""
    community = select(Unit.parent_id).where(Unit.id == grid_id).scalar_subquery()
    return select(Unit.id).where(or_(Unit.id == grid_id, Unit.parent_id == community), Unit.level == "grid")


def _score(probe: Probe, appeal: Appeal) -> Candidate:
    score, reasons = 0.0, []
    if probe.phone and appeal.citizen_phone == probe.phone:
        score += SAME_CALLER
        reasons.append("同一来电号码")
    place = 0.0
    same_grid = probe.grid_id is not None and appeal.grid_id == probe.grid_id
    if probe.lat is not None and probe.lon is not None and appeal.lat is not None and appeal.lon is not None:
        # Both points known: the distance decides (a grid may be a few square kilometres).
        metres = distance_m(probe.lat, probe.lon, appeal.lat, appeal.lon)
        if metres <= 2 * NEAR_METRES:
            place = NEAR * min(1.0, 2 - metres / NEAR_METRES)
            reasons.append(f"相距约{max(1, round(metres))}米")
        elif metres > FAR_METRES:
            place = -FAR
    else:  # a point is missing: the grid, and the address as typed
        if same_grid:
            place = SAME_GRID
        address = _overlap(probe.address_words, frozenset(terms(appeal.address)))
        if address >= 0.8:
            place = max(place, SAME_ADDRESS)
            reasons.append("地址相同" if address == 1 else "地址相近")
    if same_grid:
        reasons.append("同一网格")
    score += place
    if probe.category is not None:
        if appeal.category_id == probe.category.id:
            score += SAME_CATEGORY
            reasons.append("同一分类")
        elif probe.category.parent_id is not None and appeal.category.parent_id == probe.category.parent_id:
            score += SAME_PARENT_CATEGORY
            reasons.append("同类问题")
    text = _overlap(probe.words, frozenset(terms(f"{appeal.title} {appeal.content}")))
    if text >= 0.2:
        score += TEXT * text
        reasons.append(f"内容相似{round(text * 100)}%")
    return Candidate(appeal, round(min(score, 1.0), 3), reasons)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """How much of the shorter set the other holds (0–1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points (haversine; exact enough within a city)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
