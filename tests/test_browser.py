"""The loop in a real browser: an operator registers a call, the dispatcher sends it down,
the street's handler signs and replies on a phone-sized screen, the centre closes it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def open_page(chromium, live_server):
    contexts = []

    def open_as(username: str, phone: bool = False):
        context = chromium.new_context(viewport={"width": 390, "height": 844} if phone else None, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/appeals.*"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def upload_photo(page, kind: str, said: str) -> None:
    """Take a photo of `kind` with the appeal page's upload form, and wait for the page to say so."""
    ARTIFACTS.mkdir(exist_ok=True)
    photo = ARTIFACTS / f"{kind}.jpg"
    Image.new("RGB", (800, 600), (90, 110, 90)).save(photo, "JPEG")
    page.set_input_files("#photos input[type=file]", str(photo))
    page.select_option("#photos select[name=kind]", kind)
    page.click("#photos button[type=submit]")
    page.wait_for_selector(f"text={said}")


def act(
    page,
    action: str,
    fill: dict[str, str] | None = None,
    select: dict[str, str] | None = None,
    choose: dict[str, str | list[str]] | None = None,
) -> None:
    """Open the action's form on the appeal page, fill it in (text, options by label,
    options by value) and submit it."""
    box = page.locator(f"details[data-action={action}]")
    box.locator("summary").click()
    for name, value in (fill or {}).items():
        box.locator(f"[name={name}]").fill(value)
    for name, label in (select or {}).items():
        box.locator(f"select[name={name}]").select_option(label=label)
    for name, values in (choose or {}).items():
        box.locator(f"select[name={name}]").select_option(values)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_whole_loop_in_chromium(open_page):
    ARTIFACTS.mkdir(exist_ok=True)
    operator = open_page("operator")
    operator.click("text=登记诉求")
    operator.fill("input[name=citizen_name]", "赵女士")
    operator.fill("input[name=citizen_phone]", "139 1234")
    operator.select_option("select[name=type]", "求助")
    # The console tells the caller when to expect an answer, from the calendar API.
    operator.wait_for_selector("#expected[data-handle]")
    expected = operator.locator("#expected")
    api_due = operator.evaluate("fetch('/api/v1/calendar/due?working_days=10').then(r => r.json())")["due_at"]
    assert expected.get_attribute("data-handle") == api_due[:16].replace("T", " ")
    assert "若现在派单" in expected.inner_text()
    operator.select_option("select[name=urgency]", "紧急")
    # (A selector, not wait_for_function: the page's Content-Security-Policy forbids eval.)
    operator.wait_for_selector(f"#expected:not([data-handle='{api_due[:16].replace('T', ' ')}'])")
    operator.select_option("select[name=urgency]", "一般")
    # A category with its own ceiling (供水: 24 hours) says so.
    operator.select_option("select[name=category]", "100101")
    operator.wait_for_selector("#expected:has-text('供水类最长24小时')")
    operator.select_option("select[name=category]", "010201")
    operator.fill("input[name=title]", "道路坑洼积水")
    operator.fill("textarea[name=content]", "太原北街12号路面坑洼，下雨积水。")
    operator.fill("input[name=address]", "和平区太原北街12号")
    operator.fill("input[name=lat]", "41.88")
    operator.fill("input[name=lon]", "123.32")
    operator.click("button:has-text('受理')")
    # Refused: the form comes back with the error and everything typed still there.
    operator.wait_for_selector("text=不是有效的大陆手机号")
    assert operator.input_value("textarea[name=content]") == "太原北街12号路面坑洼，下雨积水。"
    operator.fill("input[name=citizen_phone]", "139 1234 5678")
    operator.click("button:has-text('受理')")
    operator.wait_for_selector("text=已受理，工单编号")
    assert re.fullmatch(r"\d{16}", operator.locator(".number").inner_text())
    assert "13912345678" in operator.content()
    url = operator.url

    assert "民主社区第一网格" in operator.content()  # placed on its grid

    # Roads are the district 住建 department's duty: the first 确责 suggestion, one click.
    dispatcher = open_page("dispatcher")
    dispatcher.goto(url)
    first = dispatcher.locator(".suggestions li").first
    assert first.get_attribute("data-unit") == "210102ZJ"
    first.locator("button").click()
    dispatcher.wait_for_selector("text=工单状态为「转办」")

    handler = open_page("u210102ZJ", phone=True)
    handler.click("text=本单位待办")
    handler.click("a:has-text('道路坑洼积水')")
    assert [b.get_attribute("data-action") for b in handler.locator("details[data-action]").all()] == [
        "return",
        "sign",
    ]  # a department has no units below it to 转派 to
    act(handler, "sign")
    handler.wait_for_selector("text=工单状态为「办理」")
    upload_photo(handler, "after", "已上传办理后照片")  # of the repaired road, from the phone
    handler.wait_for_function("() => { const i = document.querySelector('#photos img'); return i && i.complete; }")
    assert handler.locator("#photos img").first.evaluate("img => img.naturalWidth") == 320
    act(handler, "reply", fill={"result": "已修补坑槽约12平方米"}, select={"resolved": "解决"})
    handler.wait_for_selector("text=工单状态为「反馈」")
    assert handler.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    handler.screenshot(path=str(ARTIFACTS / "handler-phone.png"), full_page=True)

    dispatcher.goto(url)
    act(dispatcher, "approve_reply")
    dispatcher.wait_for_selector("text=工单状态为「回访」")
    visitor = open_page("visitor")
    visitor.goto(url)
    act(
        visitor,
        "visit",
        select={"reached": "已联系上", "contacted": "联系过", "resolved": "解决", "satisfaction": "满意"},
    )
    visitor.wait_for_selector("text=工单状态为「监督」")
    # 道路破损 is checked on the spot by the grid of the place before 监督 may pass it.
    grid = open_page("u210102001001001", phone=True)
    grid.click("text=待核查")
    grid.click("a:has-text('道路坑洼积水')")
    upload_photo(grid, "check", "已上传现场核查照片")
    act(grid, "check", select={"passed": "与答复相符"}, fill={"note": "坑槽已修补，路面平整"})
    grid.wait_for_selector("text=工单状态为「监督」")
    supervisor = open_page("supervisor")
    supervisor.goto(url)
    act(supervisor, "audit", select={"passed": "通过"})
    supervisor.wait_for_selector("text=工单状态为「评价」")
    timeline = supervisor.locator(".timeline li").all_inner_texts()
    assert len(timeline) == 10 and "签收" in timeline[2] and "上传照片" in timeline[3]
    assert "现场核查" in timeline[8] and "坑槽已修补" in timeline[8]
    assert "已修补坑槽" in " ".join(timeline)


def test_a_citizen_reports_from_a_phone_with_location_and_photo(chromium, live_server, sqlite_app, tmp_path):
    """随手拍 on a phone: the browser's location fills the pin, a photo goes along, a refused
    form keeps the photo, and the receipt page is the tracking page."""
    from tests.test_attachments import jpeg_with_metadata

    photo = tmp_path / "street.jpg"
    photo.write_bytes(jpeg_with_metadata())
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"latitude": 41.88, "longitude": 123.32},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.click("text=随手拍反映问题")
        page.select_option("select[name=category]", "040201")
        page.fill("textarea[name=content]", "太原北街86号小区消防通道被私家车堵死")
        page.set_input_files("input[name=photos]", str(photo))
        page.click("#locate")
        page.wait_for_selector("#located:has-text('已定位')")
        # The place found reads on one line (below the button on a phone), not split mid-number.
        lines = page.evaluate(
            "(() => { const r = document.createRange();"
            " r.selectNodeContents(document.getElementById('located')); return r.getClientRects().length; })()"
        )
        assert lines == 1
        page.fill("input[name=citizen_phone]", "139123")  # a digit short of nothing: refused
        page.click("button[type=submit]")
        page.wait_for_selector(".field-error[data-for=citizen_phone]")
        assert "请修改标红的内容" in page.inner_text("#report-errors")
        # The refusal kept everything chosen, the photo too: only the phone needs fixing.
        assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 1
        assert page.input_value("textarea[name=content]").startswith("太原北街86号")
        page.fill("input[name=citizen_phone]", "13912345678")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/track\?.*"))
        assert "已受理" in page.inner_text(".tracking")
        assert "工单编号" in page.inner_text("body") and "查询码" in page.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "citizen-report.png"), full_page=True)
    finally:
        context.close()
    from sqlalchemy import select

    from hotline.appeals.models import Appeal
    from hotline.core.extensions import db

    with sqlite_app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.channel == "随手拍"))
        assert appeal.grid.code == "210102001001001"  # the phone's location, on its grid
        assert [e.action for e in appeal.events] == ["create", "attach"]


def test_a_citizen_puts_the_pin_on_the_map(chromium, live_server, sqlite_app):
    """随手拍 without the browser's location: the map of the service area (public, by
    street) takes a tap as the place, says so, and the report is placed there."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.select_option("select[name=category]", "040201")
        page.fill("textarea[name=content]", "太原街街道的路灯不亮")
        street = page.locator("[data-map][data-ready=true] path.area-210102001")  # 太原街街道
        street.scroll_into_view_if_needed()
        street.click()
        page.wait_for_selector("#located:has-text('已在地图上选定')")
        assert page.input_value("input[name=lat]") and page.input_value("input[name=lon]")
        page.fill("input[name=citizen_phone]", "13912345679")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "citizen-report-map.png"), full_page=True)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/track\?.*"))
    finally:
        context.close()
    from sqlalchemy import select

    from hotline.appeals.models import Appeal
    from hotline.core.extensions import db

    with sqlite_app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.content == "太原街街道的路灯不亮"))
        assert appeal.grid is not None and appeal.grid.code.startswith("210102001")  # a grid of that street


def test_every_action_of_the_machine_from_the_appeal_page(open_page, sqlite_app):
    """Each of the machine's actions, taken by the person whose desk it is, through its own
    form on the appeal page: the page says what happened and the timeline records it."""
    from sqlalchemy import select

    from hotline.appeals.models import Appeal
    from hotline.appeals.states import Act
    from hotline.core.extensions import db
    from tests.helpers import COMMUNITY, DEPT, GRID, STREET, ApiClient

    api = ApiClient(sqlite_app)
    street, community, dept = api.unit_id(STREET), api.unit_id(COMMUNITY), api.unit_id(DEPT)
    pages: dict[str, object] = {}

    def step(username: str, appeal: dict, action: str, state: str, **form) -> None:
        if username not in pages:
            pages[username] = open_page(username)
        page = pages[username]
        page.goto(f"{page.url.split('/appeals')[0]}/appeals/{appeal['id']}")
        act(page, action, **form)
        page.wait_for_selector(f"text=已{Act(action).label}：工单状态为「{state}」")

    main = api.create()  # 违章停车 in the street's grid: the street's duty
    step("dispatcher", main, "dispatch", "转办", choose={"unit_id": str(street), "co_unit_ids": [str(dept)]})
    step(f"u{DEPT}", main, "co_sign", "转办")
    step(f"u{DEPT}", main, "co_report", "转办", fill={"result": "已协调交警对占道车辆贴单"})
    step(f"u{STREET}", main, "redispatch", "转办", choose={"unit_id": str(community)})
    step(
        f"u{COMMUNITY}",
        main,
        "return",
        "退单审核",
        fill={"reason": "违章停车执法不属社区职责", "basis": "确责清单：违章停车由街道牵头"},
    )
    step(f"u{STREET}", main, "approve_return", "转办", fill={"note": "由街道牵头处理"})
    step(f"u{STREET}", main, "sign", "办理")
    step(
        f"u{STREET}",
        main,
        "contact",
        "办理",
        select={"method": "电话"},
        fill={"note": "已电话联系市民，约定今晚现场查看"},
    )
    step("supervisor", main, "supervise", "督办", select={"level": "黄牌"}, fill={"note": "请尽快清理消防通道"})
    step(f"u{STREET}", main, "request_extension", "督办", fill={"working_days": "2", "reason": "需协调物业设置隔离桩"})
    step("supervisor", main, "reject_extension", "督办")
    step(f"u{STREET}", main, "request_extension", "督办", fill={"working_days": "1", "reason": "隔离桩明日安装"})
    step("supervisor", main, "approve_extension", "督办")
    resume_on = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=5)).isoformat()
    pause = {"fill": {"resume_on": resume_on, "reason": "市民出差，约定返回后现场确认"}, "select": {"kind": "等待市民"}}
    step(f"u{STREET}", main, "request_pause", "督办", **pause)
    step("supervisor", main, "reject_pause", "督办", fill={"note": "请先电话确认"})
    step(f"u{STREET}", main, "request_pause", "督办", **pause)
    step("supervisor", main, "approve_pause", "挂起")
    pages[f"u{STREET}"].goto(pages[f"u{STREET}"].url)
    pages[f"u{STREET}"].screenshot(path=str(ARTIFACTS / "paused-appeal.png"), full_page=True)
    step(f"u{STREET}", main, "resume", "督办")
    step(f"u{STREET}", main, "reply", "反馈", fill={"result": "已清理占道车辆"}, select={"resolved": "解决"})
    step("dispatcher", main, "reject_reply", "办理", fill={"note": "请补充长效管理措施"})
    step(
        f"u{STREET}",
        main,
        "reply",
        "反馈",
        fill={"result": "已清理占道车辆并安装隔离桩，物业每日巡查"},
        select={"resolved": "解决"},
    )
    step("dispatcher", main, "approve_reply", "回访")
    step(
        "visitor",
        main,
        "visit",
        "监督",
        select={"reached": "已联系上", "contacted": "联系过", "resolved": "解决", "satisfaction": "满意"},
    )
    step("supervisor", main, "audit", "评价", select={"passed": "通过"})
    pages["supervisor"].screenshot(path=str(ARTIFACTS / "every-action-timeline.png"), full_page=True)
    # 申诉复核 after the close: one dismissed, the next upheld.
    contest = {"select": {"kind": "不合理诉求"}, "fill": {"basis": "诉求人要求长期保留专用车位，超出政策规定"}}
    step(f"u{STREET}", main, "contest", "评价", **contest)
    step("supervisor", main, "dismiss_contest", "评价", fill={"note": "消防通道管理属街道职责"})
    step(f"u{STREET}", main, "contest", "评价", **contest)
    step("supervisor", main, "uphold_contest", "评价", fill={"note": "经核实属不合理诉求，不纳入考核"})

    answered = api.create(type="咨询", title="社保卡补办在哪里办理")
    step("operator", answered, "answer", "回访", fill={"reply": "可到就近社保经办网点或通过线上平台补办"})
    # 好差评: the citizen rates it on the tracking page (no account), and that is its visit.
    with sqlite_app.app_context():
        code = db.session.get_one(Appeal, answered["id"]).query_code
    citizen = pages["operator"].context.browser.new_page(viewport={"width": 390, "height": 844})
    citizen.goto(f"{pages['operator'].url.split('/appeals')[0]}/track?number={answered['number']}&query_code={code}")
    citizen.check("input[name=satisfaction][value=非常满意]")
    citizen.check("input[name=resolved][value=解决]")
    citizen.check("input[name=contacted][value=true]")
    citizen.click("form.rate button[type=submit]")
    citizen.wait_for_selector("text=您的评价：非常满意（解决）")
    citizen.screenshot(path=str(ARTIFACTS / "citizen-rating.png"), full_page=True)
    citizen.close()
    master = api.create(title="消防通道被占用（首次来电）")
    repeat = api.create(title="消防通道被占用（再次来电）")
    step("operator", repeat, "merge", "并单", fill={"master_number": master["number"]})
    step("dispatcher", api.create(title="无效来电"), "void", "无效", select={"reason": "无效诉求"})
    # A return the centre does not accept: the unit keeps it (派单异议审核).
    held = api.create(title="占道经营")
    step("dispatcher", held, "dispatch", "转办", choose={"unit_id": str(street)})
    step(f"u{STREET}", held, "return", "退单审核", fill={"reason": "不属于本街道", "basis": "确责清单"})
    step("dispatcher", held, "reject_return", "转办", fill={"reason": "属于街道职责", "basis": "确责清单03-02"})
    # The same problem again after it was closed: linked, and handled all the same.
    again = api.create(title="消防通道又被占用")
    step("operator", again, "link_repeat", "受理", fill={"master_number": main["number"]})
    # 乱堆乱放 is checked on the spot: the grid worker takes a photo, then records the 核查.
    litter = api.create(category="010102", title="楼道口乱堆杂物")
    step("dispatcher", litter, "dispatch", "转办", choose={"unit_id": str(dept)})
    step(f"u{DEPT}", litter, "sign", "办理")
    step(f"u{DEPT}", litter, "reply", "反馈", fill={"result": "已清运杂物"}, select={"resolved": "解决"})
    step("dispatcher", litter, "approve_reply", "回访")
    rating = {"reached": "已联系上", "contacted": "联系过", "resolved": "解决", "satisfaction": "满意"}
    step("visitor", litter, "visit", "监督", select=rating)
    grid = pages[f"u{GRID}"] = open_page(f"u{GRID}", phone=True)
    grid.click("text=待核查")
    grid.click("a:has-text('楼道口乱堆杂物')")
    upload_photo(grid, "check", "已上传现场核查照片")
    step(f"u{GRID}", litter, "check", "监督", select={"passed": "与答复相符"}, fill={"note": "现场已清理干净"})

    with sqlite_app.app_context():
        taken = {e.action for a in db.session.scalars(select(Appeal)) for e in a.events}
    assert set(Act) <= taken, f"not taken from the page: {set(Act) - taken}"


def test_typing_a_callers_phone_shows_their_history(open_page, sqlite_app):
    """来电历史 beside the intake form: open appeals first, each linking to its page."""
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    closed = api.appeal_in("voided", citizen_phone="13812345678")
    open_one = api.appeal_in("handling", citizen_phone="13812345678", title="小区门口占道经营")
    page = open_page("operator")
    page.goto(page.url.split("/appeals")[0] + "/appeals/new")
    page.fill("input[name=citizen_phone]", "+86 138-1234-5678")
    history = page.locator("#caller-history")
    history.wait_for(state="visible")
    items = history.locator("li")
    assert items.count() == 2 and "共 2 件" in history.inner_text()
    assert open_one["number"] in items.nth(0).inner_text() and "【办理】" in items.nth(0).inner_text()
    assert closed["number"] in items.nth(1).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "caller-history.png"))
    items.nth(0).locator("a").click()
    page.wait_for_url(re.compile(rf".*/appeals/{open_one['id']}$"))


def test_typing_an_appeal_shows_similar_ones_and_merges_in_one_click(open_page, sqlite_app):
    """疑似重复 on the intake form: the open appeal about the same problem, with its reasons,
    and a button that registers this call and merges it into that appeal."""
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    master = api.appeal_in("handling", title="车辆长期占用消防通道", lat=41.88, lon=123.32)
    page = open_page("operator")
    page.goto(page.url.split("/appeals")[0] + "/appeals/new")
    page.fill("input[name=citizen_name]", "孙女士")
    page.fill("input[name=citizen_phone]", "13900001111")
    page.select_option("select[name=type]", "投诉")
    page.select_option("select[name=category]", "040201")
    page.fill("input[name=title]", "消防通道被私家车占用")
    page.fill("textarea[name=content]", "太原北街86号小区消防通道停满私家车。")
    page.fill("input[name=lat]", "41.8801")
    page.fill("input[name=lon]", "123.3202")
    panel = page.locator("#similar")
    panel.wait_for(state="visible")
    item = panel.locator(f"li[data-candidate='{master['id']}']")
    assert "同一网格" in item.inner_text() and "相距约" in item.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "similar-appeals.png"), full_page=True)
    item.locator("button", has_text="登记后并入").click()
    page.wait_for_selector("text=已受理并并单")
    assert "并单" in page.locator(".appeal-head").inner_text()
    assert page.locator(f"a:has-text('{master['number']}')").count() >= 1


def test_maps_and_charts_draw_offline(open_page, sqlite_app, live_server):
    """The hot-spot map draws the grid's own polygons and the week's hot spots, the charts
    draw, on a desktop and a phone, and no page asks anything of another host."""
    from datetime import timedelta

    from hotline.appeals.intake import create_appeal
    from hotline.core.clock import now
    from hotline.core.extensions import db
    from hotline.hotspots.operations import detect, last_week
    from tests.helpers import accounts, appeal_data

    with sqlite_app.app_context():
        monday, made = last_week(), []
        for n in range(5):  # five potholes last week in the demo's first grid, none before
            at = datetime.combine(monday + timedelta(days=n), datetime.min.time(), ZoneInfo("Asia/Shanghai"))
            made.append(
                create_appeal(
                    appeal_data(category="010201"), accounts()["operator"], at=min(at + timedelta(hours=10), now())
                ).id
            )
        assert detect().flagged == 2  # the grid and its community
        db.session.remove()
    ARTIFACTS.mkdir(exist_ok=True)
    elsewhere: list[str] = []
    problems: list[str] = []
    for phone in (False, True):
        page = open_page("supervisor", phone=phone)
        page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server) else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{live_server}/hot-spots")
        page.wait_for_selector("[data-map][data-ready=true]")
        assert page.locator("[data-map]").get_attribute("data-marks-drawn") == "2"
        assert page.locator(".leaflet-overlay-pane path").count() >= 4  # areas and the two hot spots
        page.wait_for_selector("canvas[data-chart][data-ready=true]")
        page.screenshot(path=str(ARTIFACTS / f"hot-spots{'-phone' if phone else ''}.png"), full_page=True)
        page.goto(f"{live_server}/metrics")
        assert page.locator("canvas[data-chart][data-ready=true]").count() == 2
        page.screenshot(path=str(ARTIFACTS / f"assessment-charts{'-phone' if phone else ''}.png"), full_page=True)
        page.goto(f"{live_server}/dashboard")
        page.wait_for_selector("[data-panel=hot-spots] [data-map][data-ready=true]")
        page.goto(f"{live_server}/appeals/{made[0]}")  # an appeal's place among its community's grids
        page.wait_for_selector("[data-map][data-point][data-ready=true]")
        assert page.locator("[data-map] path.area-210102001001001").count() == 1
        assert (elsewhere, problems) == ([], [])


def test_the_operator_console_is_keyboard_first_with_a_map(open_page, sqlite_app, live_server):
    """Focus starts in the first field; the category is typed as pinyin initials; a click
    on the map fills the point and says which grid it routes to before saving; the call
    time is a date-time input in local time; 受理并登记下一件 (Alt+N) comes back to an
    empty form."""
    from sqlalchemy import select

    from hotline.appeals.models import Appeal
    from hotline.core.extensions import db

    page = open_page("operator")
    page.goto(f"{live_server}/appeals/new")
    assert page.evaluate("document.activeElement.name") == "citizen_name"
    page.keyboard.type("钱女士")
    page.fill("input[name=citizen_phone]", "13900001111")
    page.select_option("select[name=type]", "投诉")
    page.fill("#category-pick", "wztc")  # 违章停车
    assert page.input_value("select[name=category]") == "040201"
    page.fill("input[name=title]", "小区门口车辆乱停")
    page.fill("textarea[name=content]", "每天早晚车辆停在人行道上，行人无法通过。")
    called = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).replace(hour=8, minute=15)
    page.fill("input[name=received_at]", called.strftime("%Y-%m-%dT%H:%M"))  # yesterday morning
    grid = page.locator("[data-map][data-ready=true] path.area-210102001001001")  # 民主社区第一网格
    grid.scroll_into_view_if_needed()
    grid.click()
    page.wait_for_selector("#placement[data-grid='210102001001001']")
    assert "民主社区第一网格" in page.inner_text("#placement")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "operator-console.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Alt+n")
    shown = page.locator(".flash.success, .error, .field-error").all_inner_texts()
    assert any("已受理" in text for text in shown), shown
    assert page.url.endswith("/appeals/new") and page.input_value("input[name=title]") == ""
    with sqlite_app.app_context():
        saved = db.session.scalars(select(Appeal).where(Appeal.title == "小区门口车辆乱停")).one()
        assert saved.grid.code == "210102001001001"
        assert saved.received_at.astimezone(ZoneInfo("Asia/Shanghai")) == called.replace(second=0, microsecond=0)


def test_a_late_answer_never_overwrites_the_newer_one_on_the_console(open_page, live_server):
    """The console asks the API as the operator changes fields. When the category is chosen
    while the answer for the choice before it is still on its way, that late answer must not
    replace what the category says: the caller would be told the wrong deadline."""
    page = open_page("operator")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/v1/sla-policies/expected?*", hold_the_first)
    page.goto(f"{live_server}/appeals/new")
    page.select_option("select[name=type]", "求助")  # asked without a category: held
    page.wait_for_selector("#expected[aria-busy=true]")
    page.select_option("select[name=category]", "100101")  # 供水, its own 24-hour ceiling
    page.wait_for_selector("#expected:has-text('供水类最长24小时')")
    with page.expect_response(lambda r: "/expected?" in r.url and "category" not in r.url):
        held[0].continue_()
    page.wait_for_selector("#expected[aria-busy=false]")  # every answer is in
    assert "供水类最长24小时" in page.inner_text("#expected")


def test_the_operator_answers_a_call_from_the_knowledge_base_on_the_console(open_page, sqlite_app, live_server):
    """As the operator types the title, the knowledge panel lists the entries that answer
    it, each answer unfolded on demand; Enter in the panel's own search box searches (it
    must not register the call); 登记并直接答复 registers the call and answers it."""
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    for title, answer in (("社保卡丢失如何挂失补办", "先拨打12333挂失，再到社保卡服务网点补卡。"),
                          ("异地就医如何备案", "通过国家医保服务平台APP办理备案。")):  # fmt: skip
        api.post("/api/v1/knowledge", "dispatcher", json={"title": title, "answer": answer, "publish": True})
    page = open_page("operator")
    page.goto(f"{live_server}/appeals/new")
    page.fill("input[name=citizen_phone]", "13900002222")
    page.select_option("select[name=type]", "咨询")
    page.select_option("select[name=category]", "060101")
    page.fill("input[name=title]", "社保卡丢了怎么补办")
    page.fill("textarea[name=content]", "来电人社保卡丢失，询问挂失补办流程。")
    entry = page.locator("#knowledge-items li", has_text="社保卡丢失如何挂失补办")
    entry.wait_for()
    entry.locator("summary").click()
    assert "12333" in entry.inner_text()
    page.fill("#knowledge-q", "异地就医")
    page.press("#knowledge-q", "Enter")
    page.locator("#knowledge-items li", has_text="异地就医如何备案").wait_for()
    assert page.url.endswith("/appeals/new")  # searched, not registered
    page.fill("#knowledge-q", "")
    page.press("#knowledge-q", "Enter")
    entry.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "operator-console-knowledge.png"), full_page=True)
    with page.expect_navigation():
        entry.get_by_role("button", name="登记并直接答复").click()
    told = page.locator(".flash.success").all_inner_texts()
    assert any("已受理并直接答复" in text for text in told), told
    assert "先拨打12333挂失" in page.inner_text("main")  # the reply, from the entry


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
DESKS = {
    "operator": ["/appeals/new", "/appeals"],
    "dispatcher": ["/appeals?state=accepted"],
    "supervisor": ["/dashboard", "/hot-spots", "/metrics", "/metrics/ranking", "/ledger", "/approvals"],
    "visitor": ["/visits"],
    "u210102001": ["/inbox", "/inbox?tab=handling"],
    "admin": ["/admin/users"],
}


def test_every_desk_passes_an_accessibility_check(chromium, live_server, sqlite_app):
    """Each desk on a desktop and on a phone, its screenshots kept; on the phone (where the
    layout is tightest: scrolling tables, wrapped headers) checked by axe-core against WCAG
    2 A and AA (labels, names, contrast, keyboard: scrollable regions reachable, no
    positive tabindex …)."""
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    for state in ("accepted", "dispatched", "handling", "supervised", "revisiting", "merged", "voided"):
        api.appeal_in(state)
    ARTIFACTS.mkdir(exist_ok=True)
    found: dict[str, list] = {}
    for phone in (False, True):
        for username, paths in {**DESKS, "-": ["/report", "/track"]}.items():
            context = chromium.new_context(
                viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
                locale="zh-CN",
                bypass_csp=True,  # to inject the checker; the pages themselves run under the CSP elsewhere
            )
            page = context.new_page()
            if username != "-":
                page.goto(f"{live_server}/login")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
            for path in paths:
                page.goto(f"{live_server}{path}")
                page.wait_for_load_state("networkidle")
                if phone:  # the same markup and styles: the narrow layout is the stricter test
                    page.add_script_tag(path=str(AXE))
                    violations = page.evaluate(
                        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}))"
                        ".violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
                    )
                    if violations:
                        found[f"{username} {path}"] = violations
                name = re.sub(r"[^a-z0-9]+", "-", f"{username}{path}".lower()).strip("-")
                page.screenshot(path=str(ARTIFACTS / f"desk-{name}{'-phone' if phone else ''}.png"), full_page=True)
            context.close()
    assert found == {}
