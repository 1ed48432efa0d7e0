"""Assessment: the rates per main unit over the appeals evaluated in the period, from what
really happened, the composite with its red-card deduction, who may see which units, and
the stored contributions and their daily sums agreeing with the appeals."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import RED_CARD_EVENT, Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.db import local_day
from hotline.core.extensions import db
from hotline.grid.models import Unit
from hotline.metrics.contributions import rebuild, roll_up, summed
from hotline.metrics.models import changes
from hotline.metrics.rates import ALL_RATES
from tests.helpers import DEPT, OTHER_STREET, STREET, STREET_HANDLER, accounts, appeal_data, local


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _walk(t0, late: bool, resolved: str, satisfaction: str, red: bool = False) -> int:
    """One appeal handled by the street: on time, or late at every step."""
    street = db.session.scalar(select(Unit.id).where(Unit.code == STREET))
    days = (lambda n: t0 + timedelta(days=n)) if late else (lambda n: t0 + timedelta(hours=n))
    appeal = create_appeal(appeal_data(), _user("operator"), at=t0)
    perform(appeal.id, "dispatch", {"unit_id": street}, _user("dispatcher"), at=t0)
    perform(appeal.id, "sign", {}, _user(STREET_HANDLER), at=days(5))
    perform(appeal.id, "contact", {"method": "电话", "note": "已联系"}, _user(STREET_HANDLER), at=days(6))
    if red:
        perform(appeal.id, "supervise", {"level": "red", "note": "超期"}, _user("supervisor"), at=days(6))
    perform(appeal.id, "reply", {"result": "已处理", "resolved": resolved}, _user(STREET_HANDLER), at=days(25))
    perform(appeal.id, "approve_reply", {}, _user("dispatcher"), at=days(26))
    perform(
        appeal.id,
        "visit",
        {"reached": True, "resolved": resolved, "satisfaction": satisfaction, "contacted": not late},
        _user("visitor"),
        at=days(27),
    )
    perform(appeal.id, "audit", {"passed": True}, _user("supervisor"), at=days(28))  # 评价: now it counts
    return appeal.id


@pytest.fixture
def scored(ctx):
    t0 = now() - timedelta(days=40)
    _walk(t0, late=False, resolved="解决", satisfaction="满意")
    _walk(t0, late=True, resolved="部分解决", satisfaction="基本满意", red=True)
    db.session.remove()
    return (t0 - timedelta(days=1)).date().isoformat()


def test_rates_and_composite_follow_the_definitions(api, scored):
    body = api.get("/api/v1/metrics", "supervisor", query={"start": scored}, expect=200).get_json()
    street = next(i for i in body["items"] if i["unit"]["code"] == STREET)
    assert street["appeals"] == 2
    assert {k: rate["value"] for k, rate in street["rates"].items()} == {
        "signing": 0.5,
        "response": 0.5,  # the citizen says the unit called in time on one visit of two
        "on_time": 0.5,
        "resolution": 0.75,  # (1 + 0.5) / 2
        "satisfaction": 0.9,  # (1 + 0.8) / 2
        "visit": 1.0,
        "first_time": 1.0,  # neither was sent back
        "repeat": 0.0,
        "returned": 0.0,
        "reopened": 0.0,
    }
    assert (street["rates"]["satisfaction"]["numerator"], street["rates"]["satisfaction"]["denominator"]) == (1.8, 2)
    assert street["red_cards"] == 1
    # 100 × (30% × 0.5 + 35% × 0.75 + 35% × 0.9) − 2 points for the red card
    assert street["composite"] == pytest.approx(70.75)
    assert body["weights"] == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}


def test_the_period_decides_what_counts(api, scored):
    later = (now() - timedelta(days=5)).date().isoformat()
    body = api.get("/api/v1/metrics", "supervisor", query={"start": later}, expect=200).get_json()
    assert all(i["unit"]["code"] != STREET for i in body["items"])


def test_a_unit_sees_only_its_own_subtree(api, scored):
    own = api.get("/api/v1/metrics", f"u{STREET[:6]}", query={"start": scored}, expect=200).get_json()
    assert [i["unit"]["code"] for i in own["items"]] == [STREET]
    other = api.get("/api/v1/metrics", "u210103", query={"start": scored}, expect=200).get_json()
    assert other["items"] == []
    api.get("/api/v1/metrics", "operator", expect=403)
    api.get("/api/v1/metrics", STREET_HANDLER.replace(STREET, f"{STREET}001001"), expect=403)


def test_level_filter_and_bad_periods(api, scored):
    districts = api.get(
        "/api/v1/metrics", "supervisor", query={"start": scored, "level": "district"}, expect=200
    ).get_json()
    assert districts["items"] == []
    assert (
        "end"
        in api.get(
            "/api/v1/metrics", "supervisor", query={"start": "2026-05-01", "end": "2026-04-01"}, expect=400
        ).get_json()["error"]["fields"]
    )
    assert (
        "end"
        in api.get(
            "/api/v1/metrics", "supervisor", query={"start": "2024-01-01", "end": "2026-01-01"}, expect=400
        ).get_json()["error"]["fields"]
    )


def test_the_page_shows_the_table(app, scored):
    from tests.helpers import Browser

    html = Browser(app, "supervisor").get(f"/metrics?start={scored}")
    assert "考核指标" in html and f'data-unit="{STREET}"' in html and "70.75" in html
    assert "满意率" in html and "(非常满意 + 满意 + 0.8×基本满意) ÷ 有效回访" in html and "1.8/2" in html


def test_contact_is_taken_by_the_handling_unit_after_signing(api):
    appeal = api.appeal_in("dispatched")
    body = {"method": "上门", "note": "上门核实"}
    api.act(appeal["id"], "contact", STREET_HANDLER, body, expect=409)  # not signed yet
    api.act(appeal["id"], "sign", STREET_HANDLER)
    api.act(appeal["id"], "contact", "dispatcher", body, expect=403)
    api.act(appeal["id"], "contact", STREET_HANDLER, {"method": "飞鸽", "note": "x"}, expect=400)
    done = api.act(appeal["id"], "contact", STREET_HANDLER, body)
    event = done["events"][-1]
    assert (event["action"], event["payload"]["first"], event["payload"]["on_time"]) == ("contact", True, True)
    again = api.act(appeal["id"], "contact", STREET_HANDLER, {"method": "电话", "note": "回访进展"})
    assert again["events"][-1]["payload"]["first"] is False and again["state"] == "handling"


def test_every_figure_lists_the_appeals_behind_it(app, scored):
    """A unit sees why it scored what it did: the denominator's appeals and, among them,
    those counted in the numerator; by API and from the page."""
    from tests.helpers import ApiClient, Browser

    api = ApiClient(app)
    query = {"start": scored, "unit": STREET, "rate": "response"}
    base = api.get("/api/v1/metrics/appeals", "supervisor", query=query, expect=200).get_json()
    hits = api.get("/api/v1/metrics/appeals", "supervisor", query={**query, "part": "numerator"}, expect=200)
    assert base["total"] == 2 and base["rate"]["label"] == "响应率" and len(base["items"]) == 2
    [hit] = hits.get_json()["items"]
    assert hit["counted"] == 1.0 and hit["appeal"]["id"] in [i["appeal"]["id"] for i in base["items"]]
    assert sorted(i["counted"] for i in base["items"]) == [0.0, 1.0]
    own = api.get("/api/v1/metrics/appeals", f"u{STREET[:6]}", query=query, expect=200).get_json()
    assert own["total"] == 2  # the district oversees its street
    assert api.get("/api/v1/metrics/appeals", "u210103", query=query, expect=404)
    assert api.get("/api/v1/metrics/appeals", "supervisor", query={**query, "rate": "luck"}, expect=400)

    page = Browser(app, "supervisor")
    table = page.get(f"/metrics?start={scored}")
    assert f"/metrics/appeals?unit={STREET}&amp;rate=response" in table
    listed = page.get(f"/metrics/appeals?unit={STREET}&rate=response&start={scored}&part=numerator")
    assert "计入分子的（1 件）" in listed and "分母（全部 2 件）" in listed and hit["appeal"]["number"] in listed
    weighted = page.get(f"/metrics/appeals?unit={STREET}&rate=satisfaction&start={scored}")
    assert 'data-counted="0.8"' in weighted and 'data-counted="1"' in weighted


def test_the_factors_and_weights_are_settings(app, api, scored):
    """Weights apply at once; the factors are part of each stored contribution, so the
    next roll-up (the scheduler's minutely job) counts every evaluated appeal again."""
    app.config["HOTLINE_SATISFACTION_FACTORS"] = {"非常满意": 1.0, "满意": 1.0, "基本满意": 0.5}
    app.config["HOTLINE_SCORE_WEIGHTS"] = {"satisfaction": 100.0}
    roll_up()
    db.session.remove()
    body = api.get("/api/v1/metrics", "supervisor", query={"start": scored}, expect=200).get_json()
    street = next(i for i in body["items"] if i["unit"]["code"] == STREET)
    assert street["rates"]["satisfaction"]["value"] == 0.75 and street["composite"] == pytest.approx(75 - 2)
    assert {"key": "satisfaction", "label": "满意率", "formula": "(非常满意 + 满意 + 0.5×基本满意) ÷ 有效回访"} in body[
        "definitions"
    ]


def test_the_centre_is_scored_on_its_direct_answers(api):
    api.appeal_in("evaluated", type="咨询")  # dispatched and answered by the street
    answered = api.create(type="咨询", title="社保卡补办在哪里")
    api.act(answered["id"], "answer", "operator", {"reply": "可到就近社保网点补办"})
    rating = {"reached": True, "resolved": "解决", "satisfaction": "满意", "contacted": True}
    api.act(answered["id"], "visit", "visitor", rating)
    api.act(answered["id"], "audit", "supervisor", {"passed": True})
    api.appeal_in("voided")  # not a valid appeal: not counted
    api.appeal_in("revisiting", type="咨询")  # not closed yet: not counted
    centre = api.get("/api/v1/metrics", "supervisor", expect=200).get_json()["centre"]["direct_answer"]
    assert (centre["numerator"], centre["denominator"]) == (1.0, 2)
    assert api.get("/api/v1/metrics", f"u{STREET[:6]}", expect=200).get_json()["centre"] == {}  # the centre's own


def test_a_month_worked_out_by_hand(api, ctx):
    """One street's November, every figure worked out here: an extension and a pause keep
    two late-looking replies on time, a merged repeat and an upheld 申诉 do not count, and
    an appeal still paused does not count until it is evaluated."""

    def at(day: int, hour: int = 10) -> datetime:
        return local(2026, 11, day, hour)

    street, visitor, supervisor = _user(STREET_HANDLER), _user("visitor"), _user("supervisor")

    def in_hand(day: int = 2) -> int:
        appeal = create_appeal(appeal_data(), _user("operator"), at=at(day, 9))
        perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, _user("dispatcher"), at=at(day, 9))
        perform(appeal.id, "sign", {}, street, at=at(day, 9))
        return appeal.id

    def replied_and_rated(ref: int, day: int, satisfaction: str, resolved: str, contacted: bool) -> None:
        perform(ref, "reply", {"result": "已处理", "resolved": resolved}, street, at=at(day))
        perform(ref, "approve_reply", {}, _user("dispatcher"), at=at(day, 11))
        rating = {"reached": True, "satisfaction": satisfaction, "resolved": resolved, "contacted": contacted}
        perform(ref, "visit", rating, visitor, at=at(day, 15))
        perform(ref, "audit", {"passed": True}, supervisor, at=at(day, 16))

    # Due Monday 11-16 (10 working days from Monday 11-02) unless said otherwise.
    on_time = in_hand()
    repeat = create_appeal(appeal_data(), _user("operator"), at=at(2, 10))  # the same problem again, merged
    perform(
        repeat.id, "merge", {"master_number": db.session.get(Appeal, on_time).number}, _user("operator"), at=at(2, 10)
    )
    replied_and_rated(on_time, 5, "满意", "解决", True)
    extended = in_hand()
    perform(extended, "request_extension", {"working_days": 2, "reason": "需协调"}, street, at=at(10))
    perform(extended, "approve_extension", {}, supervisor, at=at(10, 11))  # due 11-18
    replied_and_rated(extended, 17, "基本满意", "部分解决", True)
    paused = in_hand()
    pause = {"kind": "等待市民", "reason": "市民出差", "resume_on": "2026-11-20"}
    perform(paused, "request_pause", pause, street, at=at(4))
    perform(paused, "approve_pause", {}, supervisor, at=at(4, 11))
    perform(paused, "resume", {}, street, at=at(9))  # 8 working days were left: due 11-19
    replied_and_rated(paused, 17, "非常满意", "解决", False)
    late = in_hand()
    replied_and_rated(late, 18, "满意", "解决", True)
    still_paused = in_hand()
    pause = {"kind": "司法程序", "reason": "待法院判决", "resume_on": "2027-01-20"}
    perform(still_paused, "request_pause", pause, street, at=at(20))
    perform(still_paused, "approve_pause", {}, supervisor, at=at(20, 11))
    contested = in_hand()
    replied_and_rated(contested, 5, "满意", "解决", False)
    perform(contested, "contest", {"kind": "不合理诉求", "basis": "超出政策"}, street, at=at(6))
    perform(contested, "uphold_contest", {"note": "属实"}, supervisor, at=at(6, 11))
    db.session.remove()

    body = api.get("/api/v1/metrics", "supervisor", query={"start": "2026-11-01", "end": "2026-11-30"}, expect=200)
    [score] = [i for i in body.get_json()["items"] if i["unit"]["code"] == STREET]
    figures = {k: (r["numerator"], r["denominator"]) for k, r in score["rates"].items()}
    assert score["appeals"] == 4  # evaluated: on time, extended, paused, late
    assert figures == {
        "signing": (4, 4),
        "response": (3, 4),  # the rated four; the paused one's citizen said no
        "on_time": (3, 4),  # the extension and the pause keep theirs on time; the late one is not
        "resolution": (3.5, 4),  # 1 + 0.5 + 1 + 1
        "satisfaction": (3.8, 4),  # 1 + 0.8 + 1 + 1
        "visit": (4, 4),
        "first_time": (4, 4),
        "repeat": (0, 4),
        "returned": (0, 4),
        "reopened": (0, 4),
    }
    # 100 × (30% × 3/4 + 35% × 3.5/4 + 35% × 3.8/4)
    assert score["composite"] == pytest.approx(86.375, abs=0.006)


RATINGS = ("非常满意", "满意", "满意", "基本满意", "不满意")
RESOLUTIONS = ("解决", "解决", "部分解决", "未解决")


def _random_appeal(rng: random.Random, users: dict, day: int) -> int:
    """An appeal taken as far as chance says, with chance's answers, on days of November:
    answered by the centre or handled by one of three units, on time or late, perhaps
    carded red, rated at any level (a 差评 sends it back once), left open at any step."""
    t = local(2026, 11, day, 9)
    step = (lambda n: t + timedelta(days=n)) if rng.random() < 0.3 else (lambda n: t + timedelta(hours=n))
    appeal = create_appeal(appeal_data(), users["operator"], at=t)
    ref = appeal.id
    if rng.random() < 0.15:
        perform(ref, "answer", {"reply": "已直接答复"}, users["operator"], at=t)
    else:
        code = rng.choice((STREET, OTHER_STREET, DEPT))
        handler = users[f"u{code}"]
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
        perform(ref, "dispatch", {"unit_id": unit_id}, users["dispatcher"], at=t)
        if rng.random() < 0.1:
            return ref  # never signed
        perform(ref, "sign", {}, handler, at=step(1))
        if rng.random() < 0.2:
            perform(ref, "supervise", {"level": "red", "note": "超期"}, users["supervisor"], at=step(2))
        if rng.random() < 0.1:
            return ref  # still in hand
        resolved = rng.choice(RESOLUTIONS)
        perform(ref, "reply", {"result": "已处理", "resolved": resolved}, handler, at=step(3))
        perform(ref, "approve_reply", {}, users["dispatcher"], at=step(4))
    for round_ in range(2):
        rating = rng.choice(RATINGS) if round_ == 0 else "满意"
        visit = {
            "reached": True,
            "satisfaction": rating,
            "resolved": rng.choice(RESOLUTIONS),
            "contacted": rng.random() < 0.8,
            "note": "市民意见",
        }
        appeal = perform(ref, "visit", visit, users["visitor"], at=step(5 + round_ * 3))
        if appeal.state != "handling" and appeal.state != "accepted":
            break
        if appeal.state == "accepted":  # the centre's own answer, again
            perform(ref, "answer", {"reply": "再次答复"}, users["operator"], at=step(6))
            continue
        perform(ref, "reply", {"result": "已整改", "resolved": "解决"}, appeal_handler(users, appeal), at=step(6))
        perform(ref, "approve_reply", {}, users["dispatcher"], at=step(7))
    if rng.random() < 0.15:
        return ref  # waiting for 监督
    perform(ref, "audit", {"passed": True}, users["supervisor"], at=step(9))
    return ref


def appeal_handler(users: dict, appeal: Appeal) -> User:
    return users[f"u{appeal.main_unit.code}"]


def _raw(start: date, end: date) -> dict[int, tuple]:
    """The figures per unit computed straight from the appeals, as a read at request time
    would: the evaluated appeals of the period, each rate's parts as of its closing."""
    a = Appeal
    centre = db.session.scalar(select(Unit.id).where(Unit.kind == "centre"))
    unit = func.coalesce(a.main_unit_id, centre)
    reds = select(func.count()).where(AppealEvent.appeal_id == a.id, RED_CARD_EVENT).scalar_subquery()
    sums = [func.sum(part) for rate in ALL_RATES for part in rate.parts(a.closed_at)]
    rows = db.session.execute(
        select(unit, func.count(), func.sum(reds), *sums)
        .where(a.state == "evaluated", a.assessment_excluded.is_(False), local_day(a.closed_at).between(start, end))
        .group_by(unit)
    ).all()
    return {r[0]: tuple(round(float(v), 6) for v in r[1:]) for r in rows}


def _stored(start: date, end: date) -> dict[int, tuple]:
    rows = db.session.execute(summed(start, end)).all()
    return {r.unit_id: tuple(round(float(r._mapping[k]), 6) for k in SHAPE) for r in rows}


SHAPE = ("appeals", "red_cards", *(f"{r.key}_{p}" for r in ALL_RATES for p in ("num", "den")))


def test_stored_figures_equal_the_appeals_on_random_data(ctx):
    """The contributions stored at evaluation, their daily sums, and the same corrected
    after late 申诉 decisions, give exactly what the appeals give when counted directly,
    for any period: before the roll-up, after it, halfway, and after a rebuild."""
    rng = random.Random(16)
    users = accounts()
    roll_up()  # as the scheduler has on a running system: the definitions are built
    refs = [_random_appeal(rng, users, rng.randint(1, 20)) for _ in range(60)]
    periods = [  # whole months (their monthly rows), runs of days, and both
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 11, 6), date(2026, 11, 13)),
        (date(2026, 11, 20), date(2026, 12, 31)),
        (date(2026, 10, 20), date(2027, 1, 10)),
        (date(2026, 11, 3), date(2026, 11, 27)),  # November less its first two and last three days
    ]

    def agree() -> None:
        for start, end in periods:
            raw = _raw(start, end)
            assert raw and _stored(start, end) == raw

    evaluated = db.session.scalars(select(Appeal).where(Appeal.id.in_(refs), Appeal.state == "evaluated")).all()
    assert 20 < len(evaluated) < 60  # chance left some open, some in 监督
    agree()  # every pair still pending: read from the contributions
    assert roll_up() > 0
    agree()  # from the daily rows
    assert db.session.scalar(select(func.count()).select_from(changes)) == 0
    for appeal in [a for a in evaluated if a.main_unit_id][:5]:  # late: 申诉 upheld, a pair changed each
        contest = {"kind": "不合理诉求", "basis": "超出政策"}
        perform(appeal.id, "contest", contest, appeal_handler(users, appeal), at=appeal.closed_at + timedelta(hours=1))
        perform(
            appeal.id, "uphold_contest", {"note": "属实"}, users["supervisor"], at=appeal.closed_at + timedelta(hours=2)
        )
    agree()  # the changed pairs from their contributions, the rest from the daily rows
    roll_up()
    agree()
    rebuild()
    agree()


def test_a_rate_is_shown_to_four_places_exactly_as_rounding_it_would():
    """rate_value takes a quicker way than round(value, 4); the digits must be the same,
    the half-way cases (1 of 20,000, 3 of 80,000 …) included."""
    from hotline.metrics.operations import rate_value

    cases = [(n * f, d) for d in (*range(1, 400), 20_000, 40_000, 80_000, 160_000) for n in range(d + 1)[:200]
             for f in (1, 0.8, 0.5)]  # fmt: skip
    cases += [(n, 20_000 * k) for k in range(1, 50) for n in range(1, 40, 2)]  # n / (2·10⁴·k): at halves
    assert [rate_value(n, d) for n, d in cases] == [round(n / d, 4) for n, d in cases]
    assert rate_value(3, 0) is None
