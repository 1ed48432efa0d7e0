"""受理辅助: the category and the handling unit an appeal's words suggest, learned from the
centre's own appeals that units have answered (their final category, and the unit that
really handled them).

Two multinomial naive Bayes models over the words of title and content (the character
bigrams of the search index): one for the category; one for the unit, which also sees the
district the point lies in (a street or a district's department is local). They are
trained by the scheduler each night (and on demand), kept as rows of `assist_models`, and
each process caches them until the revision token says a newer model was trained. A
suggestion is only ever offered: the operator picks, or not. With too little history
(fewer than HOTLINE_ASSIST_MIN_SAMPLES answered appeals) the model says so and suggests
nothing."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from pydantic import Field
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from hotline.appeals.models import Appeal
from hotline.appeals.permissions import FIND_SIMILAR
from hotline.appeals.states import State
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core import revisions
from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.extensions import Model, db
from hotline.core.fulltext import terms
from hotline.core.validation import CHINA_LAT, CHINA_LON, Body
from hotline.grid.geo import placement
from hotline.grid.models import Unit

# Answered by the unit that handled them: their category and unit are final.
ANSWERED = (State.REPLIED, State.REVISITING, State.AUDITING, State.EVALUATED)
KINDS = ("category", "unit")
FEATURES_PER_LABEL = 400  # the most frequent words each label keeps
MIN_PER_UNIT = 3  # a unit is suggested once it has handled this many
SMOOTHING = 0.5
HISTORY = timedelta(days=365)
SHOWN = 3


class AssistModel(Model):
    """One trained model (the latest of each kind is kept)."""

    __tablename__ = "assist_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), unique=True)
    trained_at: Mapped[datetime]
    samples: Mapped[int]
    labels: Mapped[dict] = mapped_column(default=dict)  # label -> {"docs", "words", "counts": {word: n}}
    vocabulary: Mapped[int] = mapped_column(default=0)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssistQuery(Body):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=4000)
    lat: float | None = Field(None, ge=CHINA_LAT[0], le=CHINA_LAT[1])
    lon: float | None = Field(None, ge=CHINA_LON[0], le=CHINA_LON[1])


def features(title: str | None, content: str | None, district: str | None = None) -> list[str]:
    words = terms(f"{title or ''} {content or ''}")
    return [*words, f"@{district}"] if district else words


# ------------------------------------------------------------------ the model


@dataclass
class NaiveBayes:
    labels: dict[str, dict[str, Any]]
    vocabulary: int
    samples: int

    @classmethod
    def fit(cls, rows: list[tuple[list[str], str]], keep: int = FEATURES_PER_LABEL) -> NaiveBayes:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        docs: Counter[str] = Counter()
        for words, label in rows:
            counts[label].update(words)
            docs[label] += 1
        vocabulary = len({w for c in counts.values() for w in c})
        labels = {
            label: {"docs": docs[label], "words": sum(c.values()), "counts": dict(c.most_common(keep))}
            for label, c in counts.items()
        }
        return cls(labels, vocabulary, len(rows))

    def predict(self, words: list[str]) -> list[tuple[str, float]]:
        """Labels with their probabilities, most likely first. The log-likelihoods are
        divided by the number of words (naive Bayes is overconfident: its words are not
        independent), so the probabilities stay readable as confidences."""
        if not self.labels or not words:
            return []
        scale = max(1.0, len(words) / 4)
        scores = {}
        for label, stats in self.labels.items():
            denominator = math.log(stats["words"] + SMOOTHING * self.vocabulary)
            likelihood = sum(math.log(stats["counts"].get(w, 0) + SMOOTHING) - denominator for w in words)
            scores[label] = math.log(stats["docs"] / self.samples) + likelihood / scale
        top = max(scores.values())
        weights = {label: math.exp(s - top) for label, s in scores.items()}
        total = sum(weights.values())
        return sorted(((label, w / total) for label, w in weights.items()), key=lambda p: -p[1])


# ------------------------------------------------------------------ training


@dataclass
class TrainingReport:
    samples: int
    categories: int = 0
    units: int = 0

    def __str__(self) -> str:
        return f"trained on {self.samples} answered appeals: {self.categories} categories, {self.units} units"


def training_rows(at: datetime) -> list[tuple[str, str, str, int | None, str | None]]:
    """(title, content, category code, handling unit, district code) of the answered appeals
    of the last year, newest first."""
    place = aliased(Unit)
    stmt = (
        select(Appeal.title, Appeal.content, Category.code, Appeal.main_unit_id, place.path)
        .join(Category, Category.id == Appeal.category_id)
        .outerjoin(place, place.id == Appeal.place_unit_id)
        .where(Appeal.state.in_(ANSWERED), Appeal.received_at >= at - HISTORY)
        .order_by(Appeal.id.desc())
        .limit(current_app.config["HOTLINE_ASSIST_MAX_SAMPLES"])
    )
    return [(t, c, code, unit, _district(path)) for t, c, code, unit, path in db.session.execute(stmt)]


def _district(path: str | None) -> str | None:
    codes = (path or "").strip("/").split("/")
    return codes[2] if len(codes) > 2 else None


def train(at: datetime | None = None, actor: User | None = None) -> TrainingReport:
    at = at or now()
    rows = training_rows(at)
    report = TrainingReport(len(rows))
    category = NaiveBayes.fit([(features(t, c), code) for t, c, code, _, _ in rows])
    units = Counter(unit for *_, unit, _ in rows if unit is not None)
    unit = NaiveBayes.fit(
        [(features(t, c, d), str(u)) for t, c, _, u, d in rows if u is not None and units[u] >= MIN_PER_UNIT]
    )
    report.categories, report.units = len(category.labels), len(unit.labels)
    with write_transaction(db.session):
        db.session.execute(delete(AssistModel))
        for kind, model in (("category", category), ("unit", unit)):
            db.session.add(
                AssistModel(
                    kind=kind,
                    trained_at=at,
                    samples=model.samples,
                    labels=model.labels,
                    vocabulary=model.vocabulary,
                    trained_by_id=actor.id if actor else None,
                )
            )
        revisions.bump("assist")
    return report


# ------------------------------------------------------------------ suggesting


@dataclass
class Suggestion:
    ready: bool
    reason: str
    samples: int = 0
    trained_at: datetime | None = None
    categories: list[tuple[Category, float]] = field(default_factory=list)
    units: list[tuple[Unit, float]] = field(default_factory=list)


def _load_models() -> dict[str, tuple[NaiveBayes, datetime]]:
    return {
        m.kind: (NaiveBayes(m.labels, m.vocabulary, m.samples), m.trained_at)
        for m in db.session.scalars(select(AssistModel))
    }


# The trained models, cached per process until a training bumps the "assist" revision.
_models = revisions.Cached("assist", _load_models)


def suggest(query: AssistQuery, actor: User) -> Suggestion:
    FIND_SIMILAR.require(actor)
    models = _models.get()
    least = current_app.config["HOTLINE_ASSIST_MIN_SAMPLES"]
    if "category" not in models:
        return Suggestion(False, "尚未训练：每晚由后台任务根据已答复的诉求训练")
    category_model, trained_at = models["category"]
    if category_model.samples < least:
        return Suggestion(
            False,
            f"历史数据不足：已答复的诉求只有 {category_model.samples} 件（至少 {least} 件），暂不提供建议",
            category_model.samples,
            trained_at,
        )
    if not (query.title or query.content):
        return Suggestion(False, "请先填写标题或内容", category_model.samples, trained_at)
    suggestion = Suggestion(True, "", category_model.samples, trained_at)
    by_code = {
        c.code: c
        for c in db.session.scalars(select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL))
    }
    for code, p in category_model.predict(features(query.title, query.content)):
        if code in by_code and len(suggestion.categories) < SHOWN:
            suggestion.categories.append((by_code[code], p))
    if "unit" in models:
        district = None
        if query.lat is not None and query.lon is not None:
            unit_id = placement(query.lon, query.lat).unit_id
            place = db.session.get(Unit, unit_id) if unit_id else None
            district = _district(place.path) if place else None
        ranked = models["unit"][0].predict(features(query.title, query.content, district))[: SHOWN * 2]
        active = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([int(i) for i, _ in ranked])))}
        suggestion.units = [(active[int(i)], p) for i, p in ranked if int(i) in active and active[int(i)].active]
        suggestion.units = suggestion.units[:SHOWN]
    return suggestion
