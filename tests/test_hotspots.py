"""未诉先办: a week whose count in a category × community (or grid) exceeds its trailing
weekly mean is a hot spot; supervisors see those of their area, with the appeals behind
them, on the dashboard and on a map, and open one proactive task (主动发现) from one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.core.clock import local_zone
from hotline.core.extensions import db
from hotline.hotspots.models import HotSpot
from hotline.hotspots.operations import detect
from hotline.web.headers import content_security_policy
from tests.helpers import COMMUNITY, DISTRICT, GRID, OTHER_DISTRICT, STREET, ApiClient, Browser, accounts, appeal_data

WEEK = date(2026, 11, 16)  # a Monday
POTHOLES, NOISE, LAMPS, STALLS = "010201", "030101", "010301", "010101"


def _called(code: str, day: date, n: int = 1, void: bool = False) -> list[int]:
    """n appeals of category `code` from the demo's first grid, on `day`."""
    users = accounts()
    refs = []
    for k in range(n):
        at = datetime.combine(day, time(9 + k % 8), local_zone())
        appeal = create_appeal(appeal_data(category=code, lat=41.88, lon=123.32), users["operator"], at=at)
        if void:
            perform(appeal.id, "void", {"reason": "无效诉求"}, users["dispatcher"], at=at)
        refs.append(appeal.id)
    return refs


@pytest.fixture
def series(app):
    """Eight ordinary weeks, then the week of WEEK: potholes rise from one a week to five
    (a hot spot), noise from three to five (not twice its mean), street lamps appear four
    times (below the minimum), stalls five times but one of them void."""
    app.config.update(HOTLINE_HOTSPOT_WEEKS=8, HOTLINE_HOTSPOT_FACTOR=2.0, HOTLINE_HOTSPOT_MIN_COUNT=5)
    with app.app_context():
        for w in range(1, 9):
            monday = WEEK - timedelta(weeks=w)
            _called(POTHOLES, monday + timedelta(days=2))
            _called(NOISE, monday + timedelta(days=1), 3)
        rising = _called(POTHOLES, WEEK + timedelta(days=1), 5)
        _called(NOISE, WEEK + timedelta(days=3), 5)
        _called(LAMPS, WEEK + timedelta(days=4), 4)
        _called(STALLS, WEEK + timedelta(days=5), 4)
        _called(STALLS, WEEK + timedelta(days=5), void=True)
        _called(POTHOLES, WEEK + timedelta(days=7), 3)  # the Monday after: another week
        found = detect(WEEK)
        db.session.remove()
    return found, rising


def _spots(app) -> set[tuple[str, str, int, float]]:
    with app.app_context():
        return {
            (s.category.code, s.unit.code, s.count, s.baseline)
            for s in db.session.scalars(select(HotSpot).where(HotSpot.week_start == WEEK))
        }


def test_a_week_above_its_trailing_mean_is_a_hot_spot(app, series):
    found, _ = series
    assert (found.week, found.flagged) == (WEEK, 2)
    # The grid and its community, five this week against one a week before.
    assert _spots(app) == {(POTHOLES, GRID, 5, 1.0), (POTHOLES, COMMUNITY, 5, 1.0)}
    app.config["HOTLINE_HOTSPOT_FACTOR"] = 1.5  # noise: 5 > 1.5 × 3
    with app.app_context():
        assert detect(WEEK + timedelta(days=3)).flagged == 4  # any day names its week
    assert (NOISE, GRID, 5, 3.0) in _spots(app)
    app.config["HOTLINE_HOTSPOT_MIN_COUNT"] = 6
    with app.app_context():
        assert detect(WEEK).flagged == 0
    assert _spots(app) == set()  # a detection replaces the week's hot spots


def test_a_supervisor_opens_one_task_from_a_hot_spot(app, series):
    _, rising = series
    api = ApiClient(app)
    listed = api.get("/api/v1/hot-spots", f"u{DISTRICT}", expect=200).get_json()
    assert listed["week_start"] == WEEK.isoformat() and listed["weeks"] == [WEEK.isoformat()]
    spot = next(s for s in listed["items"] if s["level"] == "grid")
    assert (spot["count"], spot["baseline"], spot["ratio"], spot["task"]) == (5, 1.0, 5.0, None)
    assert api.get("/api/v1/hot-spots", f"u{OTHER_DISTRICT}", expect=200).get_json()["items"] == []
    api.get(f"/api/v1/hot-spots/{spot['id']}/appeals", f"u{OTHER_DISTRICT}", expect=404)
    api.get("/api/v1/hot-spots", f"u{GRID}", expect=403)

    behind = api.get(f"/api/v1/hot-spots/{spot['id']}/appeals", "supervisor", expect=200).get_json()
    assert sorted(a["id"] for a in behind["items"]) == sorted(rising)

    api.post(f"/api/v1/hot-spots/{spot['id']}/task", f"u{GRID}", expect=403)  # a grid worker does not
    opened = api.post(f"/api/v1/hot-spots/{spot['id']}/task", f"u{STREET}", expect=201).get_json()
    assert opened["hot_spot"]["task"] == opened["task"]
    task = api.appeal(opened["task"]["id"])
    assert (task["channel"], task["category"]["code"], task["state"]) == ("主动发现", POTHOLES, "accepted")
    assert task["events"][0]["payload"]["place"]["grid_id"] == api.unit_id(GRID)  # placed by its point
    numbers = {api.appeal(ref)["number"] for ref in rising}
    assert all(number in task["content"] for number in numbers)
    again = api.post(f"/api/v1/hot-spots/{spot['id']}/task", "supervisor", expect=409).get_json()
    assert opened["task"]["number"] in again["error"]["message"]

    with app.app_context():  # detected again: the task stays linked and is not counted
        detect(WEEK)
    assert (POTHOLES, GRID, 5, 1.0) in _spots(app)
    relisted = api.get("/api/v1/hot-spots", "supervisor", query={"week": WEEK.isoformat()}, expect=200).get_json()
    assert next(s for s in relisted["items"] if s["id"] == spot["id"])["task"] == opened["task"]


def test_the_pages_list_and_map_them(app, series):
    page = Browser(app, f"u{DISTRICT}")
    html = page.get("/hot-spots")
    assert "未诉先办热点" in html and html.count("data-hot-spot=") == 2 and "data-map" in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html and "data-chart=" in html
    assert "未诉先办热点" in page.get("/dashboard") and 'data-panel="hot-spots"' in page.get("/dashboard")
    marks = page.client.get(f"/hot-spots/marks.geojson?week={WEEK}").get_json()
    assert {f["properties"]["label"] for f in marks["features"]} == {
        "民主社区第一网格 · 道路破损",
        "民主社区 · 道路破损",
    }
    areas = page.client.get(f"/map/areas.geojson?within={STREET}").get_json()
    assert areas["features"] and {f["properties"]["level"] for f in areas["features"]} == {"grid"}
    assert page.client.get(f"/map/areas.geojson?within={OTHER_DISTRICT}").status_code == 404
    assert app.test_client().get(f"/map/areas.geojson?within={STREET}").status_code in (302, 401)  # staff only
    # The citizen's map (随手拍) is public: the service area by street, named, no grids.
    public = app.test_client().get("/map/service-area.geojson")
    assert public.status_code == 200 and public.cache_control.public
    streets = public.get_json()["features"]
    assert {f["properties"]["level"] for f in streets} == {"street"} and "太原街街道" in {
        f["properties"]["name"] for f in streets
    }
    spot_id = int(html.split('data-hot-spot="')[1].split('"')[0])
    detail = page.get(f"/hot-spots/{spot_id}")
    assert "热点背后的诉求" in detail and "生成主动发现工单" in detail


def test_a_tile_server_is_a_setting_off_by_default(app, series):
    """No base map and no other host by default; a centre's tile server, once set, is
    what the maps load under the polygons, and the only other host images may come from."""
    page = Browser(app, "supervisor")
    assert "data-tiles" not in page.get("/hot-spots")
    assert "img-src 'self' data: blob:;" in page.client.get("/hot-spots").headers["Content-Security-Policy"]
    tiles = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"
    assert "img-src 'self' data: blob: https://*.tiles.example.cn;" in content_security_policy(tiles)
    app.config["HOTLINE_MAP_TILE_URL"] = tiles
    assert f'data-tiles="{tiles}"' in page.get("/hot-spots")
