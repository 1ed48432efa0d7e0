"""Duplicate suggestions (重复诉求): precision and recall on a generated set whose duplicates
are known, beside FixMyStreet's rule measured on the same calls.

How the set is made (and what it is not): P problems, each one of the demo's texts for its
category, at a point in the demo city with an address on a road there. Each problem is
called in by one to five people over up to ten days, each in their own words: clauses of
the text dropped or swapped, everyday synonyms put in, a preface such as 又来反映, the
title shortened; seven calls in ten with a point within 80 m of the problem (the address
then left out now and then), the others with the address and no point, as a phone call
often comes; each by their own phone (one call in five is the same caller again). Half the problems
have a neighbour of the same category 150–600 m away (another problem, not a duplicate),
and every grid holds problems of other categories. This is a synthetic set: its wording
varies less than real callers' does, so the figures are an upper bound for text and a fair
test of place and category.

Each call, in time order, first asks for the suggestions on its draft (what the intake
form shows), then is registered through the real intake. An appeal's true duplicates are
the earlier calls about its problem. Precision: the share of suggestions that are true
duplicates; recall: the share of calls with an earlier duplicate that get at least one
among their suggestions (and, stricter, as the first one).

The peer: FixMyStreet offers the reports of the same category near the new one (here:
within 100 m, in the last 30 days; a call without a point gets none), computed on the
same calls in the same run.

    .venv/bin/python bench/duplicates.py [--problems 300] [--smoke]
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from harness import Row, arguments, migrated_app, report, sqlite_database

BOX = (123.31, 41.71, 123.49, 41.89)  # inside the demo city's grids
ROADS = ("太原北街", "中华路", "民主路", "北四经街", "文化路", "三好街", "青年大街", "五里河街", "文萃路", "大东路")
SYNONYMS = {"小区": "院里", "希望": "请", "尽快": "赶紧", "处理": "解决", "已经": "都", "长期": "一直",
            "附近": "旁边", "严重": "厉害", "影响": "耽误", "居民": "大家"}  # fmt: skip
PREFACES = ("", "", "你好，", "我要反映个问题，", "又来反映一下，", "我是附近居民，")
TARGET = 0.8


@dataclass
class Call:
    problem: int
    at: datetime
    category: str
    title: str
    content: str
    address: str | None
    lat: float | None  # a call taken by phone often has an address and no point
    lon: float | None
    phone: str
    appeal_id: int | None = None


def metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    import math

    return metres / 111_320, metres / (111_320 * math.cos(math.radians(lat)))


def reword(text: str, rng: random.Random) -> str:
    """Another caller's words for the same problem."""
    clauses = [c for c in text.replace("。", "，").split("，") if c]
    if len(clauses) > 2 and rng.random() < 0.5:
        clauses.pop(rng.randrange(1, len(clauses)))
    if len(clauses) > 2 and rng.random() < 0.3:
        i = rng.randrange(1, len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    said = "，".join(clauses) + "。"
    for word, other in SYNONYMS.items():
        if word in said and rng.random() < 0.5:
            said = said.replace(word, other)
    return rng.choice(PREFACES) + said


def make_calls(problems: int, rng: random.Random, start: datetime) -> list[Call]:
    from hotline.demo.texts import TEXTS

    categories = [code for code in TEXTS if code.startswith(("01", "02", "03", "04", "05", "10"))]
    calls: list[Call] = []
    places: list[tuple[float, float, str]] = []
    for p in range(problems):
        code = rng.choice(categories)
        _, title, content, _ = rng.choice(TEXTS[code])
        if places and rng.random() < 0.5:  # a neighbour of an earlier problem, not the same one
            lat0, lon0, _ = rng.choice(places)
            dlat, dlon = metres_to_degrees(rng.uniform(150, 600), lat0)
            lat, lon = lat0 + rng.choice((-1, 1)) * dlat, lon0 + rng.choice((-1, 1)) * dlon
        else:
            lat, lon = rng.uniform(BOX[1], BOX[3]), rng.uniform(BOX[0], BOX[2])
        address = f"{rng.choice(ROADS)}{rng.randint(1, 300)}号"
        places.append((lat, lon, address))
        first = start + timedelta(hours=rng.uniform(0, 24 * 20))
        callers = 1 + min(4, int(rng.expovariate(1.2)))
        phones: list[str] = []
        for k in range(callers):
            dlat, dlon = metres_to_degrees(rng.uniform(0, 80), lat)
            phone = rng.choice(phones) if phones and rng.random() < 0.2 else f"139{rng.randrange(10**8):08d}"
            phones.append(phone)
            said = content if k == 0 else reword(content, rng)
            pinned = rng.random() < 0.7
            calls.append(Call(
                problem=p, at=first + timedelta(hours=rng.uniform(0, 240) if k else 0), category=code,
                title=title if k == 0 or rng.random() < 0.5 else title[:6] + "问题",
                content=said.replace("{place}", address if rng.random() < 0.8 else "这里"),
                address=address if not pinned or rng.random() < 0.7 else None,
                lat=lat + rng.uniform(-dlat, dlat) if pinned else None,
                lon=lon + rng.uniform(-dlon, dlon) if pinned else None, phone=phone,
            ))  # fmt: skip
    calls.sort(key=lambda c: c.at)
    return calls


def fixmystreet(call: Call, earlier: list[Call]) -> list[int]:
    """Reports of the same category within 100 m in the last 30 days."""
    from hotline.appeals.similar import distance_m

    if call.lat is None or call.lon is None:
        return []  # it needs a point
    return [
        e.appeal_id  # type: ignore[misc]
        for e in earlier
        if e.category == call.category
        and e.at >= call.at - timedelta(days=30)
        and e.lat is not None
        and e.lon is not None
        and distance_m(call.lat, call.lon, e.lat, e.lon) <= 100
    ]


def main() -> None:
    args = arguments(__doc__, problems=300)
    if args.smoke:
        args.problems = 20
    rng = random.Random(2026)
    start = datetime.now(UTC) - timedelta(days=30)
    calls = make_calls(args.problems, rng, start)
    with sqlite_database() as url:
        app = migrated_app(url)
        with app.app_context():
            from sqlalchemy import select

            from hotline.appeals.intake import create_appeal
            from hotline.appeals.similar import Draft, similar_to_draft
            from hotline.auth.models import User
            from hotline.core.extensions import db

            operator = db.session.scalars(select(User).where(User.username == "operator")).one()
            ours = {"suggested": 0, "right": 0, "found": 0, "first": 0, "alone_alarms": 0}
            peer = {"suggested": 0, "right": 0, "found": 0, "first": 0, "alone_alarms": 0}
            with_duplicates = alone = 0
            problem_of: dict[int, int] = {}
            registered: list[Call] = []
            for call in calls:
                draft = Draft(category=call.category, title=call.title, content=call.content, address=call.address,
                              lat=call.lat, lon=call.lon, citizen_phone=call.phone)  # fmt: skip
                suggested = [c.appeal.id for c in similar_to_draft(draft, operator, call.at)]
                theirs = fixmystreet(call, registered)
                truth = {e.appeal_id for e in registered if e.problem == call.problem}
                with_duplicates += bool(truth)
                alone += not truth
                for tally, listed in ((ours, suggested), (peer, theirs)):
                    tally["suggested"] += len(listed)
                    tally["right"] += sum(1 for i in listed if i in truth)
                    tally["found"] += bool(truth) and any(i in truth for i in listed)
                    tally["first"] += bool(truth) and bool(listed) and listed[0] in truth
                    tally["alone_alarms"] += not truth and bool(listed)
                appeal = create_appeal(
                    {"type": "投诉", "category": call.category, "title": call.title, "content": call.content,
                     "address": call.address, "lat": call.lat, "lon": call.lon, "citizen_phone": call.phone},
                    operator, at=call.at,
                )  # fmt: skip
                call.appeal_id = appeal.id
                problem_of[appeal.id] = call.problem
                registered.append(call)

    def rates(t: dict[str, int]) -> tuple[float, float, float, float]:
        return (
            t["right"] / t["suggested"] if t["suggested"] else 1.0,
            t["found"] / with_duplicates if with_duplicates else 1.0,
            t["first"] / with_duplicates if with_duplicates else 1.0,
            t["alone_alarms"] / alone if alone else 0.0,
        )

    p, r, f, a = rates(ours)
    pp, pr, pf, pa = rates(peer)
    rows = [
        Row("calls (problems); calls with an earlier duplicate", f"{len(calls)} ({args.problems}); {with_duplicates}"),
        Row("precision: suggestions that are true duplicates", f"{p:.0%}",
            f"FixMyStreet's rule {pp:.0%}; target ≥ {TARGET:.0%}", p >= TARGET),
        Row("recall: calls offered a true duplicate", f"{r:.0%}", f"FixMyStreet's rule {pr:.0%}; target ≥ {TARGET:.0%}",
            r >= TARGET),
        Row("the first suggestion is a true duplicate", f"{f:.0%}", f"FixMyStreet's rule {pf:.0%}"),
        Row("calls without a duplicate shown something anyway", f"{a:.0%}", f"FixMyStreet's rule {pa:.0%}"),
    ]  # fmt: skip
    report("Duplicate suggestions (重复诉求) on a generated set with known duplicates", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
