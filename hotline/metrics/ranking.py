"""分级分类 ranking: units are ranked only against units of the same kind and level —
districts with districts, streets with streets, departments with departments of their
level, grids within their community — and only with enough appeals in the period
(HOTLINE_RANK_MIN_APPEALS). The top and the bottom of each group (HOTLINE_RANK_BOARD each)
make its 红榜 and 黑榜; each unit's composite is shown beside the one it had in the period
before (month on month for a month)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from hotline.auth.models import User
from hotline.core.db import plain_rows
from hotline.core.extensions import db
from hotline.core.vocabulary import UNIT_LEVEL_NAMES
from hotline.grid.models import Unit
from hotline.metrics.operations import MetricsQuery, ScoredUnit, UnitScore, assess, composites


@dataclass
class Ranked:
    score: UnitScore
    rank: int
    previous: float | None  # the composite of the period before
    board: str | None = None  # 红榜 / 黑榜

    @property
    def change(self) -> float | None:
        composite = self.score.composite
        return round(composite - self.previous, 2) if composite is not None and self.previous is not None else None


@dataclass
class Group:
    key: str  # "area:street", "department:district", "grids:<community code>"
    title: str
    ranked: list[Ranked] = field(default_factory=list)
    unranked: list[UnitScore] = field(default_factory=list)  # too few appeals, or a rate lacking data


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period before: the month before a whole month, else as many days just before."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        last = start - timedelta(days=1)
        return last.replace(day=1), last
    return start - (end - start) - timedelta(days=1), start - timedelta(days=1)


def _group_of(unit: ScoredUnit, parents: dict[int, tuple[str, str]]) -> tuple[str, str]:
    level = UNIT_LEVEL_NAMES[unit.level]
    if unit.kind == "department":
        return f"department:{unit.level}", f"{level}级部门"
    if unit.level == "grid" and unit.parent_id in parents:
        code, name = parents[unit.parent_id]
        return f"grids:{code}", f"{name}的网格"
    return f"area:{unit.level}", level


def rank(user: User, query: MetricsQuery, *, rates: bool = False) -> tuple[date, date, list[Group]]:
    """The groups of the units the user oversees, each ranked by composite; `rates`: with
    every rate of each unit too (the export's columns), not only the composite's."""
    start, end, scores = assess(user, query, rates=rates)
    before = previous_period(start, end)
    earlier = query.model_copy(update={"start": before[0], "end": before[1]})
    previous = composites(user, earlier)
    parent_ids = {s.unit.parent_id for s in scores if s.unit.level == "grid" and s.unit.parent_id}
    named = select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(parent_ids))
    parents = {unit_id: (code, name) for unit_id, code, name in plain_rows(db.session, named)}
    minimum = int(current_app.config["HOTLINE_RANK_MIN_APPEALS"])
    board = int(current_app.config["HOTLINE_RANK_BOARD"])
    groups: dict[str, Group] = {}
    for s in scores:  # best composite first
        key, title = _group_of(s.unit, parents)
        group = groups.setdefault(key, Group(key, title))
        if s.composite is None or s.appeals < minimum:
            group.unranked.append(s)
        else:
            group.ranked.append(Ranked(s, len(group.ranked) + 1, previous.get(s.unit.id)))
    for group in groups.values():
        top = group.ranked[:board]
        for r in top:
            r.board = "红榜"
        for r in group.ranked[-board:]:
            if r not in top:
                r.board = "黑榜"
    return start, end, sorted(groups.values(), key=_group_order)


def _group_order(group: Group) -> tuple[int, int, str]:
    """Areas from the top level down, then departments, then each community's grids."""
    kind, rest = group.key.split(":", 1)
    level = list(UNIT_LEVEL_NAMES).index(rest) if kind != "grids" else 0
    return {"area": 0, "department": 1, "grids": 2}[kind], level, group.key
