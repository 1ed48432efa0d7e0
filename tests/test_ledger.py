"""万件清理 ledgers: enrolment by rule and by hand, closure counted only after 回访 or 监督,
rates by unit and level, overdue items, daily snapshots, and the .xlsx export."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.core.clock import local_today, local_zone
from hotline.core.extensions import db
from hotline.ledger import operations as ledger
from hotline.ledger.models import CampaignSnapshot
from hotline.ledger.progress import items, snapshot_all
from tests.helpers import STREET, STREET_HANDLER, Browser, accounts, appeal_data

CAMPAIGN = {
    "name": "万件清理",
    "batch": "第一批",
    "period_start": "2026-11-01",
    "period_end": "2026-12-31",
    "owner": "市12345中心 张主任",
}


def create(api, **change) -> dict:
    return api.post("/api/v1/ledgers", "supervisor", json=CAMPAIGN | change, expect=201).get_json()


def test_only_centre_supervisors_manage_ledgers(api):
    assert api.post("/api/v1/ledgers", "dispatcher", json=CAMPAIGN, expect=403)
    assert api.post("/api/v1/ledgers", "u210102", json=CAMPAIGN, expect=403)  # a district supervisor
    bad = api.post(
        "/api/v1/ledgers", "supervisor", json=CAMPAIGN | {"period_end": "2026-10-01"}, expect=400
    ).get_json()["error"]
    assert bad["fields"] == {"period_end": "结束日期不能早于开始日期"}
    campaign = create(api)
    assert campaign["progress"] == {"total": 0, "closed": 0, "rate": None, "overdue": 0}
    assert api.get("/api/v1/ledgers", "u210102", expect=200).get_json()["items"][0]["name"] == "万件清理"


def test_closure_counts_only_after_visit_or_oversight(api):
    campaign = create(api)
    evaluated = api.appeal_in("evaluated")  # passed 监督
    satisfied = api.appeal_in("auditing")  # passed 回访 (满意)
    unreached = api.appeal_in("revisiting")
    api.act(unreached["id"], "visit", "visitor", {"reached": False, "call_result": "空号"})  # auditing, 未评价
    replied = api.appeal_in("replied")  # the unit says done: not closed yet
    numbers = [a["number"] for a in (evaluated, satisfied, unreached, replied)]
    added = api.post(
        f"/api/v1/ledgers/{campaign['id']}/enroll",
        "supervisor",
        json={"numbers": numbers, "leader": "李副区长"},
        expect=200,
    ).get_json()
    assert added == {"added": 4}
    assert api.post(f"/api/v1/ledgers/{campaign['id']}/enroll", "supervisor", json={"numbers": numbers}).get_json() == {
        "added": 0
    }  # never twice
    detail = api.get(f"/api/v1/ledgers/{campaign['id']}", "supervisor", expect=200).get_json()
    assert detail["progress"] == {"total": 4, "closed": 2, "rate": 0.5, "overdue": 0}
    assert detail["by_unit"] == [
        {
            "key": str(api.unit_id(STREET)),
            "label": "太原街街道",
            "level": "street",
            "progress": {"total": 4, "closed": 2, "rate": 0.5, "overdue": 0},
        }
    ]
    assert [b["label"] for b in detail["by_level"]] == ["街道"]
    items = api.get(f"/api/v1/ledgers/{campaign['id']}/items", "supervisor").get_json()["items"]
    assert [i["closed"] for i in items] == [True, True, False, False]
    assert {i["leader"] for i in items} == {"李副区长"} and {i["target_date"] for i in items} == {"2026-12-31"}
    missing = api.post(
        f"/api/v1/ledgers/{campaign['id']}/enroll", "supervisor", json={"numbers": ["2026010101999999"]}, expect=400
    ).get_json()["error"]
    assert "2026010101999999" in missing["fields"]["numbers"]


def test_overdue_items_and_item_edits(api):
    campaign = create(api)
    appeal = api.appeal_in("handling")
    api.post(
        f"/api/v1/ledgers/{campaign['id']}/enroll",
        "supervisor",
        json={"numbers": [appeal["number"]], "target_date": "2026-01-31"},
    )
    detail = api.get(f"/api/v1/ledgers/{campaign['id']}", "supervisor").get_json()
    assert detail["progress"]["overdue"] == 1
    item = api.get(f"/api/v1/ledgers/{campaign['id']}/items", "supervisor").get_json()["items"][0]
    assert item["overdue"] is True
    updated = api.request(
        "PUT",
        f"/api/v1/ledgers/{campaign['id']}/items/{item['id']}",
        "supervisor",
        json={"leader": "王局长", "target_date": "2099-01-31"},
        expect=200,
    ).get_json()
    assert updated["leader"] == "王局长" and updated["overdue"] is False
    assert api.request(
        "PUT",
        f"/api/v1/ledgers/{campaign['id']}/items/{item['id']}",
        STREET_HANDLER,
        json={"leader": "x", "target_date": "2099-01-31"},
        expect=403,
    )


def test_enrolment_rules(ctx):
    u = accounts()
    street = u[f"u{STREET}"].unit_id
    long_ago = datetime.now().astimezone() - timedelta(days=40)
    old = create_appeal(appeal_data(title="老问题"), u["operator"], at=long_ago)
    perform(old.id, "dispatch", {"unit_id": street}, u["dispatcher"], at=long_ago)
    fresh = create_appeal(appeal_data(title="新问题"), u["operator"])

    twice = create_appeal(appeal_data(title="两次不满意"), u["operator"])
    perform(twice.id, "dispatch", {"unit_id": street}, u["dispatcher"])
    perform(twice.id, "sign", {}, u[f"u{STREET}"])
    for _ in range(2):
        perform(twice.id, "reply", {"result": "已处理", "resolved": "解决"}, u[f"u{STREET}"])
        perform(twice.id, "approve_reply", {}, u["dispatcher"])
        perform(
            twice.id,
            "visit",
            {
                "reached": True,
                "resolved": "未解决",
                "satisfaction": "不满意",
                "contacted": True,
                "note": "问题仍未解决",
            },
            u["visitor"],
        )

    create_appeal(
        appeal_data(
            title="企业诉求", type="求助", category="090201", is_enterprise=True, enterprise_name="沈阳某科技有限公司"
        ),
        u["operator"],
    )
    master = create_appeal(appeal_data(title="同一问题"), u["operator"])
    for _ in range(2):
        repeat = create_appeal(appeal_data(title="同一问题"), u["operator"])
        perform(repeat.id, "merge", {"master_number": master.number}, u["operator"])

    def enrolled(rule, **extra):
        c = ledger.create_campaign(CAMPAIGN | {"batch": rule}, u["supervisor"])
        ledger.enroll(c.id, {"rule": rule, **extra}, u["supervisor"])
        return {i.appeal.title for i in items(c, u["supervisor"])}

    assert enrolled("open_days", days=30) == {"老问题"}
    assert enrolled("open_days", days=41) == set()
    assert fresh.title not in enrolled("open_days", days=1)  # received today
    assert enrolled("dissatisfied_twice") == {"两次不满意"}
    assert enrolled("enterprise_unresolved") == {"企业诉求"}
    assert enrolled("repeat_callers", callers=3) == {"同一问题"}
    assert enrolled("repeat_callers", callers=4) == set()


def test_snapshots_give_a_trend_and_the_export_reads_back(api):
    campaign = create(api)
    closed = api.appeal_in("evaluated")
    still_open = api.appeal_in("handling")
    api.post(
        f"/api/v1/ledgers/{campaign['id']}/enroll",
        "supervisor",
        json={"numbers": [closed["number"], still_open["number"]]},
    )
    with api.app.app_context():
        assert snapshot_all(date(2026, 11, 20)) == 1
        assert snapshot_all(date(2026, 11, 21)) == 1
        assert snapshot_all(date(2026, 11, 21)) == 1  # the same day again: overwritten
        assert len(db.session.scalars(select(CampaignSnapshot)).all()) == 2
    trend = api.get(f"/api/v1/ledgers/{campaign['id']}", "supervisor").get_json()["trend"]
    assert trend == [{"day": "2026-11-20", "total": 2, "closed": 1}, {"day": "2026-11-21", "total": 2, "closed": 1}]

    resp = api.request("GET", f"/api/v1/ledgers/{campaign['id']}/export.xlsx", "supervisor", expect=200)
    assert resp.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["汇总", "事项"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0][:2] == ("台账", "万件清理")
    header = next(i for i, row in enumerate(summary) if row[0] == "总数")
    assert summary[header + 1][:4] == (2, 1, "50.0%", 0)
    assert ("太原街街道", 2, 1, "50.0%", 0) in summary
    assert ("街道", 2, 1, "50.0%", 0) in summary
    rows = list(book["事项"].iter_rows(values_only=True))
    assert rows[0][:4] == ("工单编号", "标题", "分类", "承办单位")
    assert {r[0] for r in rows[1:]} == {closed["number"], still_open["number"]}
    assert {r[6] for r in rows[1:]} == {"是", "否"}


def test_ledger_pages(sqlite_app):
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    appeal = api.appeal_in("evaluated")
    supervisor = Browser(sqlite_app, "supervisor")
    resp = supervisor.submit("/ledger", "/ledger", CAMPAIGN)
    page = supervisor.get(resp.headers["Location"])
    assert "万件清理 · 第一批" in page and "尚未纳入工单" in page
    campaign_path = resp.headers["Location"]
    supervisor.submit(f"{campaign_path}/enroll", campaign_path, {"numbers": appeal["number"]})
    page = supervisor.get(campaign_path)
    assert 'data-stat="rate">100.0%' in page and appeal["number"] in page
    assert supervisor.client.get(f"{campaign_path}.xlsx").status_code == 200
    assert "新建台账" not in Browser(sqlite_app, "u210102").get("/ledger")


def test_the_ledger_page_lists_items_a_page_at_a_time(sqlite_app, monkeypatch):
    """A 万件清理 campaign holds tens of thousands of items: the page shows them a page at a
    time (and the earliest overdue ones), with the totals over all of them."""
    from hotline.ledger import views
    from tests.helpers import ApiClient

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    api = ApiClient(sqlite_app)
    numbers = [api.appeal_in("handling")["number"] for _ in range(3)]
    supervisor = Browser(sqlite_app, "supervisor")
    campaign_path = supervisor.submit("/ledger", "/ledger", CAMPAIGN).headers["Location"]
    supervisor.submit(
        f"{campaign_path}/enroll", campaign_path, {"numbers": " ".join(numbers), "target_date": "2026-01-01"}
    )
    first, second = supervisor.get(campaign_path), supervisor.get(f"{campaign_path}?page=2")
    assert "3 件 · 第 1 / 2 页" in first and "下一页" in first
    assert first.count("data-item=") == 2 and second.count("data-item=") == 1
    assert {n for n in numbers if n in first.split('id="items"')[1]} | {n for n in numbers if n in second} == set(
        numbers
    )
    assert "逾期未办结 <small>3 件，列出最早到期的 2 件" in first


def test_the_centres_progress_is_counted_each_minute_and_new_items_show_at_once(api, app):
    """A 万件清理 campaign holds hundreds of thousands of items: the centre's view reads the
    scheduler's per-unit counts (at most a minute behind), which equal a live count, and
    an enrolment shows at once (it drops the counts until the next one)."""
    from hotline.ledger.models import UnitProgress
    from hotline.ledger.progress import refresh_unit_progress

    campaign = create(api)
    url = f"/api/v1/ledgers/{campaign['id']}"
    replied, handling = api.appeal_in("replied"), api.appeal_in("handling")
    numbers = [replied["number"], handling["number"]]
    api.post(f"{url}/enroll", "supervisor", json={"numbers": numbers}, expect=200)

    def seen(user: str = "supervisor") -> tuple[dict, list]:
        body = api.get(url, user, expect=200).get_json()
        return body["progress"], sorted(
            (u["label"], u["progress"]["total"], u["progress"]["closed"]) for u in body["by_unit"]
        )

    live = seen()
    with app.app_context():
        assert refresh_unit_progress() == 1
        assert db.session.query(UnitProgress).count() == 1  # both at 太原街街道
    assert seen() == live  # the counted rows say what a live count says
    api.act(replied["id"], "approve_reply", "dispatcher")
    api.act(
        replied["id"],
        "visit",
        "visitor",
        {"reached": True, "resolved": "解决", "satisfaction": "满意", "contacted": True},
    )
    assert seen()[0]["closed"] == 0  # until the next count …
    assert seen("u210102")[0]["closed"] == 1  # … while a district, counted live, sees it
    with app.app_context():
        refresh_unit_progress()
    assert seen()[0]["closed"] == 1
    later = api.appeal_in("accepted")
    api.post(f"{url}/enroll", "supervisor", json={"numbers": [later["number"]]}, expect=200)
    assert seen()[0]["total"] == 3  # at once
    with app.app_context():
        assert db.session.query(UnitProgress).count() == 0


def test_monthly_topic_picked_from_the_high_frequency_list(api, app):
    """每月一题: the centre sees last month's most appealed kinds of problem, picks one for
    this month, and the campaign holds that kind's open appeals and the month's new ones."""
    potholes, noise = "010201", "030101"
    today = local_today()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    with app.app_context():
        users = accounts()

        def called(code: str, day: date, void: bool = False) -> int:
            at = datetime.combine(day, time(10), local_zone())
            appeal = create_appeal(appeal_data(category=code), users["operator"], at=at)
            if void:
                perform(appeal.id, "void", {"reason": "无效诉求"}, users["dispatcher"], at=at)
            return appeal.id

        old = called(potholes, last_month - timedelta(days=20))  # still open: joins
        called(potholes, last_month - timedelta(days=20), void=True)  # no problem of its own
        last = [called(potholes, last_month + timedelta(days=d)) for d in (1, 5, 9)]
        called(noise, last_month + timedelta(days=2))
        called(noise, last_month + timedelta(days=3), void=True)  # not counted
        db.session.remove()

    frequent = api.get("/api/v1/ledgers/frequent-problems", "supervisor", expect=200).get_json()
    assert frequent["month"] == last_month.isoformat()
    assert [(r["category"]["code"], r["appeals"]) for r in frequent["items"]] == [(potholes, 3), (noise, 1)]
    error = api.get("/api/v1/ledgers/frequent-problems", "supervisor", query={"month": "2026-13"}, expect=400)
    assert "month" in error.get_json()["error"]["fields"]

    api.post("/api/v1/ledgers/monthly-topic", "dispatcher", json={"category": potholes}, expect=403)
    bad = api.post("/api/v1/ledgers/monthly-topic", "supervisor", json={"category": "99"}, expect=400).get_json()
    assert bad["error"]["fields"] == {"category": "没有这个分类"}
    topic = api.post("/api/v1/ledgers/monthly-topic", "supervisor", json={"category": potholes}, expect=201).get_json()
    assert (topic["name"], topic["topic"]["code"], topic["period_start"]) == (
        "每月一题",
        potholes,
        this_month.isoformat(),
    )
    items = api.get(f"/api/v1/ledgers/{topic['id']}/items", "supervisor", expect=200).get_json()["items"]
    assert sorted(i["appeal"]["id"] for i in items) == sorted([old, *last])
    again = api.post("/api/v1/ledgers/monthly-topic", "supervisor", json={"category": potholes}, expect=409)
    assert "每月一题" in again.get_json()["error"]["message"]

    with app.app_context():  # a new pothole this month joins with the nightly job
        fresh = create_appeal(appeal_data(category=potholes), accounts()["operator"]).id
        assert ledger.enroll_topics() == 1
        db.session.remove()
    items = api.get(f"/api/v1/ledgers/{topic['id']}/items", "supervisor", expect=200).get_json()["items"]
    assert fresh in [i["appeal"]["id"] for i in items]

    page = Browser(app, "supervisor").get("/ledger")
    assert "每月一题" in page and f'data-category="{potholes}"' in page and "选题" in page
    assert "选题" not in Browser(app, "u210102").get("/ledger")  # a district supervisor follows, does not pick
