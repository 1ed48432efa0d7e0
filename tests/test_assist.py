"""受理辅助: category and unit suggestions learned from the answered appeals, offered with a
confidence and never applied; with too little history it says so and suggests nothing."""

from __future__ import annotations

from hotline.appeals import assist
from tests.helpers import DISTRICT, STREET, STREET_HANDLER, Browser

NOISE = {
    "category": "050202",
    "title": "广场舞音响声音太大",
    "content": "每天晚上小区广场舞音响声音太大，噪音扰民，老人孩子休息不好。",
}
PARKING = {"category": "040201", "title": "车辆占用消防通道", "content": "小区消防通道被私家车长期占用，消防车进不来。"}


def answered(api, unit_code: str, **fields) -> None:
    """An appeal the unit has answered (反馈): what the models learn from."""
    appeal = api.create(**fields)
    api.act(appeal["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(unit_code)})
    handler = f"u{unit_code}"
    api.act(appeal["id"], "sign", handler)
    api.act(appeal["id"], "reply", handler, {"result": "已处理", "resolved": "解决"})


def suggestions(api, expect=200, user="operator", **query) -> dict:
    return api.post("/api/v1/appeals/assist", user, json=query, expect=expect).get_json()


def test_with_too_little_history_it_says_so_and_suggests_nothing(api):
    untrained = suggestions(api, title="广场舞扰民")
    assert untrained["ready"] is False and "尚未训练" in untrained["reason"] and untrained["categories"] == []
    answered(api, STREET, **NOISE)
    with api.app.app_context():
        assert assist.train().samples == 1
    few = suggestions(api, title="广场舞扰民")
    assert few["ready"] is False and few["categories"] == [] and few["units"] == []
    assert "历史数据不足" in few["reason"] and "1 件" in few["reason"]


def test_it_learns_the_category_and_the_unit_from_answered_appeals(api):
    api.app.config["HOTLINE_ASSIST_MIN_SAMPLES"] = 6
    for _ in range(4):
        answered(api, STREET, **PARKING)
        answered(api, f"{DISTRICT}HB", **NOISE)
    with api.app.app_context():
        report = assist.train()
    assert report.samples == 8 and report.categories == 2 and report.units == 2
    got = suggestions(api, title="消防通道又被车堵了", content="私家车占用消防通道")
    assert got["ready"] is True and got["samples"] == 8
    assert got["categories"][0]["code"] == "040201" and got["categories"][0]["confidence"] > 0.5
    assert got["units"][0]["id"] == api.unit_id(STREET)
    noise = suggestions(api, title="晚上广场舞噪音", lat=41.88, lon=123.32)
    assert noise["categories"][0]["code"] == "050202" and noise["units"][0]["id"] == api.unit_id(f"{DISTRICT}HB")
    assert abs(sum(c["confidence"] for c in noise["categories"]) - 1) < 0.01  # two labels, both shown
    # Only offered: the appeal is registered with what the operator chose.
    created = api.create(**PARKING | {"category": "010102"})
    assert created["category"]["code"] == "010102"


def test_only_the_intake_desk_asks_and_bad_input_is_a_400(api):
    suggestions(api, expect=403, user=STREET_HANDLER, title="噪音")
    bad = suggestions(api, expect=400, title="x" * 101)
    assert "title" in bad["error"]["fields"]


def test_the_nightly_job_and_the_intake_page(api):
    from hotline.scheduler import JOBS

    [job] = [j for j in JOBS if j.id == "assist-train"]
    assert job.trigger == "cron"
    api.app.config["HOTLINE_ASSIST_MIN_SAMPLES"] = 1
    answered(api, STREET, **PARKING)
    with api.app.app_context():
        assert "trained on 1 answered appeals" in job.run()
    page = Browser(api.app, "operator").get("/appeals/new")
    assert 'id="assist"' in page
