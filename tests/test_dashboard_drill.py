"""The supervisors' dashboard: every number is a link to exactly the list it counts, for
the centre and for a district, at every level it drills down to (市 → 区 → 街道 → 社区 → 网格)."""

from __future__ import annotations

import re
from html import unescape

from tests.helpers import DISTRICT, STREET, Browser

COUNT = re.compile(r'<a data-count href="([^"]+)"[^>]*>(?:<strong>)?(\d+)')
TOTAL = re.compile(r"<small>共 (\d+) 件</small>")
DRILL = re.compile(r'<a href="([^"]+)" data-drill>')


def _every_cell_opens_its_list(page: Browser, path: str, seen: set[str]) -> int:
    """Check each count on the page against the list it links to; then drill down."""
    html = page.get(path)
    checked = 0
    for link, number in COUNT.findall(html):
        listed = TOTAL.search(page.get(unescape(link)))
        assert listed is not None and listed.group(1) == number, (path, unescape(link), number)
        checked += 1
    for below in DRILL.findall(html):
        below = unescape(below)
        if below not in seen:
            seen.add(below)
            checked += _every_cell_opens_its_list(page, below, seen)
    return checked


def test_every_count_opens_exactly_its_list(app, api):
    for state in ("dispatched", "handling", "supervised", "paused", "replied", "revisiting", "accepted"):
        api.appeal_in(state)
    api.appeal_in("handling", urgency="紧急")
    sent_down = api.appeal_in("dispatched")
    api.act(sent_down["id"], "redispatch", f"u{STREET}", {"unit_id": api.unit_id(f"{STREET}001")})  # to a community
    api.act(api.appeal_in("handling")["id"], "supervise", "supervisor", {"level": "red", "note": "超期未办"})
    api.appeal_in("accepted", category="010201", title="路面坑洼")  # another kind, at the centre
    centre = _every_cell_opens_its_list(Browser(app, "supervisor"), "/dashboard", set())
    district = _every_cell_opens_its_list(Browser(app, f"u{DISTRICT}"), "/dashboard", set())
    assert centre > 40 and district > 20  # the pages and the levels below them were all read
    with app.app_context():  # the same from the scheduler's minutely counts
        from hotline.appeals.dashboard import refresh_open_counts
        from hotline.core.clock import now

        refresh_open_counts(now())
    page = Browser(app, "supervisor")
    assert "统计于" in page.get("/dashboard") and 'data-kind="01"' in page.get("/dashboard")
    assert _every_cell_opens_its_list(page, "/dashboard", set()) == centre


def _every_grid_opens_its_list(page: Browser, path: str) -> int:
    """Each grid the board's map marks, against the list its popup links to."""
    marks = page.client.get(path).get_json()["features"]
    for mark in marks:
        open_, overdue = map(int, re.findall(r"\d+", mark["properties"]["detail"]))
        listed = TOTAL.search(page.get(mark["properties"]["href"]))
        assert listed is not None and int(listed.group(1)) == open_, (path, mark["properties"])
        late = TOTAL.search(page.get(mark["properties"]["href"] + "&sla=overdue"))
        assert late is not None and int(late.group(1)) == overdue, (path, mark["properties"])
    return sum(int(re.findall(r"\d+", m["properties"]["detail"])[0]) for m in marks)


def test_the_map_marks_where_the_open_appeals_are(app, api):
    """The board's map shades each grid with open appeals placed in it, and says how many
    are overdue; each grid's link opens exactly those, for the centre (every open appeal),
    a district (those its units hold) and a drill-down, live and from the minutely counts."""
    for state in ("dispatched", "handling", "supervised", "replied", "accepted"):
        api.appeal_in(state)
    api.appeal_in("handling", lat=41.86, lon=123.36)  # another grid
    with app.app_context():  # one of them long overdue
        from sqlalchemy import update

        from hotline.appeals.models import Appeal
        from hotline.core.clock import now
        from hotline.core.extensions import db

        db.session.execute(update(Appeal).where(Appeal.state == "handling").values(sla_due_at=now().replace(year=2025)))
        db.session.commit()
    centre, district = Browser(app, "supervisor"), Browser(app, f"u{DISTRICT}")
    assert 'data-marks="/dashboard/places.geojson"' in centre.get("/dashboard")
    everywhere = _every_grid_opens_its_list(centre, "/dashboard/places.geojson")
    details = [m["properties"]["detail"] for m in centre.client.get("/dashboard/places.geojson").get_json()["features"]]
    assert any("其中超期 0 件" not in d for d in details), details  # the overdue one is counted
    assert everywhere == 6  # every open appeal has a place here
    held = _every_grid_opens_its_list(district, "/dashboard/places.geojson")
    assert 0 < held < everywhere  # not those at the centre's own steps
    assert _every_grid_opens_its_list(centre, f"/dashboard/places.geojson?unit={STREET}") > 0
    assert centre.client.get("/dashboard/places.geojson?unit=nosuch").status_code == 404
    with app.app_context():
        from hotline.appeals.dashboard import refresh_open_counts

        refresh_open_counts(now())
    assert _every_grid_opens_its_list(centre, "/dashboard/places.geojson") == everywhere
    assert _every_grid_opens_its_list(district, "/dashboard/places.geojson") == held


def test_drilling_stays_within_the_area(app, api):
    api.appeal_in("handling")
    district = Browser(app, f"u{DISTRICT}")
    street = district.get(f"/dashboard?unit={STREET}")
    assert "太原街街道" in street and "和平区</a> ›" in street  # the way back up
    district.get("/dashboard?unit=210103", expect=404)  # another district
    district.get("/dashboard?unit=nosuch", expect=404)
    assert "太原街街道" in Browser(app, "supervisor").get(f"/dashboard?unit={STREET}")


def test_the_trend_counts_each_day_of_the_area(app, ctx):
    """Received, closed and carded per day, today so far included, from the hourly counts,
    by the unit that handles each appeal."""
    from datetime import timedelta

    from sqlalchemy import select

    from hotline.appeals.activity import refresh_activity, trend
    from hotline.appeals.engine import perform
    from hotline.appeals.intake import create_appeal
    from hotline.core.clock import local_date, now
    from hotline.core.extensions import db
    from hotline.grid.models import Unit
    from tests.helpers import accounts, appeal_data

    users, at = accounts(), now()
    street = db.session.scalar(select(Unit).where(Unit.code == STREET))
    district = db.session.scalar(select(Unit).where(Unit.code == DISTRICT))
    other = db.session.scalar(select(Unit).where(Unit.code == "210103"))

    def handled(day_offset: int, *, card: bool = False) -> int:
        t = at - timedelta(days=day_offset)
        appeal = create_appeal(appeal_data(), users["operator"], at=t)
        perform(appeal.id, "dispatch", {"unit_id": street.id}, users["dispatcher"], at=t)
        if card:
            perform(appeal.id, "supervise", {"level": "yellow", "note": "请加快"}, users["supervisor"], at=t)
        return appeal.id

    handled(3)
    handled(3, card=True)
    handled(0)
    create_appeal(appeal_data(), users["operator"], at=at - timedelta(days=3))  # not sent out yet
    refresh_activity(at)
    handled(0, card=True)  # after the count: shown once the hourly count has run again
    assert sum(d.carded for d in trend(None, at)) == 1
    refresh_activity(now())
    days = {d.day: d for d in trend(None, at)}
    three = local_date(at - timedelta(days=3))
    assert (days[three].received, days[three].carded) == (3, 1)  # the centre sees its own queue too
    assert (days[local_date(at)].received, days[local_date(at)].carded) == (2, 1)
    by_district = {d.day: d for d in trend(district, at)}
    assert (by_district[three].received, by_district[local_date(at)].received) == (2, 2)
    assert sum(d.received for d in trend(other, at)) == 0
    assert len(days) == 30 and min(days) == local_date(at) - timedelta(days=29)
    db.session.remove()
    assert "近30天受理、办结与督办" in Browser(app, "supervisor").get("/dashboard")
