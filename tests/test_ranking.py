"""分级分类 ranking: units ranked only within their kind and level (grids within their
community), with a minimum volume, 红榜 and 黑榜 per group, the change on the period before,
and an .xlsx with a sheet per group."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.auth.models import User
from hotline.core.clock import local_today, local_zone
from hotline.core.extensions import db
from hotline.grid.models import Unit
from hotline.metrics.ranking import previous_period
from tests.helpers import COMMUNITY, DEPT, GRID, OTHER_STREET, STREET, Browser, appeal_data


def _rated(code: str, satisfaction: str, resolved: str, at) -> None:
    users = {u.username: u for u in db.session.scalars(select(User))}
    handler = users[f"u{code}"]
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
    appeal = create_appeal(appeal_data(), users["operator"], at=at)
    perform(appeal.id, "dispatch", {"unit_id": unit_id}, users["dispatcher"], at=at)
    perform(appeal.id, "sign", {}, handler, at=at + timedelta(minutes=10))
    perform(appeal.id, "reply", {"result": "已处理", "resolved": resolved}, handler, at=at + timedelta(hours=2))
    perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=at + timedelta(hours=3))
    visit = {"reached": True, "satisfaction": satisfaction, "resolved": resolved, "contacted": True, "note": "回访"}
    perform(appeal.id, "visit", visit, users["visitor"], at=at + timedelta(hours=4))
    perform(appeal.id, "audit", {"passed": True}, users["supervisor"], at=at + timedelta(hours=5))


@pytest.fixture
def ranked(app):
    app.config.update(HOTLINE_RANK_MIN_APPEALS=2, HOTLINE_RANK_BOARD=1)
    with app.app_context():
        today = _noon(_month()[0] + timedelta(days=10))  # in the month ranked (the last whole one)
        last_month = _noon(previous_period(*_month())[0] + timedelta(days=10))
        for _ in range(2):
            _rated(STREET, "满意", "解决", today)
            _rated(OTHER_STREET, "基本满意", "部分解决", today)
            _rated(DEPT, "满意", "解决", today)
        _rated(GRID, "满意", "解决", today)  # one appeal: too few to be ranked
        _rated(STREET, "基本满意", "部分解决", last_month)
    return app


def _month() -> tuple[date, date]:
    """The last whole month."""
    end = local_today().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _ranked_month() -> dict[str, str]:
    start, end = _month()
    return {"start": start.isoformat(), "end": end.isoformat()}


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), local_zone())


def test_units_are_ranked_within_their_kind_and_level(api, ranked):
    body = api.get("/api/v1/metrics/ranking", "supervisor", query=_ranked_month(), expect=200).get_json()
    groups = {g["key"]: g for g in body["groups"]}
    streets = groups["area:street"]
    assert streets["title"] == "街道"
    assert [(r["rank"], r["unit"]["code"], r["board"]) for r in streets["ranked"]] == [
        (1, STREET, "红榜"),
        (2, OTHER_STREET, "黑榜"),
    ]
    # 100 now; last month 100 × (30% × 1 + 35% × 0.5 + 35% × 0.8) = 75.5
    first = streets["ranked"][0]
    assert (first["composite"], first["previous"], first["change"]) == (100.0, 75.5, 24.5)
    assert [(r["unit"]["code"], r["board"]) for r in groups["department:district"]["ranked"]] == [(DEPT, "红榜")]
    grids = groups[f"grids:{COMMUNITY}"]
    assert grids["title"] == "民主社区的网格" and grids["ranked"] == []
    assert [u["code"] for u in grids["unranked"]] == [GRID]
    assert [g["key"] for g in body["groups"]][:1] == ["area:street"]  # areas first, then departments, then grids
    assert body["min_appeals"] == 2


def test_the_page_and_the_workbook_have_a_part_per_group(ranked):
    page = Browser(ranked, "supervisor")
    month = "start={start}&end={end}".format(**_ranked_month())
    html = page.get(f"/metrics/ranking?{month}")
    assert 'data-group="area:street"' in html and f'data-unit="{STREET}" data-board="红榜"' in html
    assert "不参与排名" in html and "+24.50" in html
    assert "/metrics/ranking" in page.get("/metrics")
    resp = page.client.get(f"/metrics/ranking.xlsx?{month}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    assert {"街道", "区级部门", "民主社区的网格"} <= set(book.sheetnames)
    rows = list(book["街道"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[-1]) for r in rows] == [(1, STREET, "红榜"), (2, OTHER_STREET, "黑榜")]
    Browser(ranked, "operator").get("/metrics/ranking", expect=403)


def test_the_period_before_a_month_is_the_month_before():
    assert previous_period(date(2026, 12, 1), date(2026, 12, 31)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_period(date(2026, 12, 1), date(2026, 12, 2)) == (date(2026, 11, 29), date(2026, 11, 30))
