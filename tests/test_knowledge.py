"""知识库: Chinese search that finds two-character words and ranks title matches first (on
SQLite and PostgreSQL alike), versions, proposals and their review, and 直接答复 from an
entry (recorded on the appeal, counted, texted to the citizen)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, select, text

from hotline.appeals.models import Appeal
from hotline.core.clock import local_today
from hotline.core.extensions import db
from hotline.core.fulltext import query_terms, terms
from hotline.notifications.models import SmsMessage
from tests.helpers import COMMUNITY, DISTRICT, OTHER_DISTRICT, OTHER_STREET, STREET, STREET_HANDLER, Browser


def new_entry(api, user="dispatcher", expect=201, **fields) -> dict:
    body = {"title": "社保卡丢失如何挂失补办", "answer": "先拨打12333挂失，再到社保卡服务网点补卡。", "publish": True}
    body.update(fields)
    return api.post("/api/v1/knowledge", user, json=body, expect=expect).get_json()


def search(api, user="operator", **query) -> list[dict]:
    return api.get("/api/v1/knowledge", user, query=query, expect=200).get_json()["items"]


def titles(items: list[dict]) -> list[str]:
    return [i["title"] for i in items]


def test_chinese_text_is_cut_into_character_bigrams():
    assert terms("小区停车位紧张！") == ["小区", "区停", "停车", "车位", "位紧", "紧张"]
    assert terms("拨打 12333 或 APP") == ["拨打", "12333", "或", "app"]
    assert query_terms("停车 停车") == ["停车"]
    assert terms("１２３４５热线") == ["12345", "热线"]  # full-width digits as people type them


def test_two_character_words_find_entries_and_title_matches_come_first(api):
    new_entry(api, title="居民区停车位紧张问题", answer="小区内部车位由业主大会和物业管理。")
    new_entry(api, title="违章停车如何举报", answer="可拨打12345或通过随手拍上传照片。")
    body_only = new_entry(
        api, title="占用消防通道怎么办", answer="消防通道禁止停车，停车堵塞通道的请拨打119，停车、停车、停车。"
    )
    new_entry(api, title="夜间施工噪音扰民", answer="夜间22时至次日6时禁止施工。", keywords="噪声 工地")
    new_entry(api, title="社保卡丢失如何挂失补办")

    found = titles(search(api, q="停车"))
    assert set(found[:2]) == {"居民区停车位紧张问题", "违章停车如何举报"}  # title matches first
    assert found[2] == body_only["title"]  # however often the body says it
    assert titles(search(api, q="噪音")) == ["夜间施工噪音扰民"]
    assert titles(search(api, q="噪声")) == ["夜间施工噪音扰民"]  # its keywords
    assert titles(search(api, q="社保")) == ["社保卡丢失如何挂失补办"]
    assert titles(search(api, q="12333")) == ["社保卡丢失如何挂失补办"]
    assert "社保卡丢失如何挂失补办" not in titles(search(api, q="停车"))


def test_a_question_in_plain_words_finds_the_entry_that_answers_it(api):
    new_entry(api, title="社保卡丢失如何挂失补办", keywords="补卡 挂失 丢了")
    new_entry(api, title="医保报销需要哪些材料", answer="提供发票和费用清单。")
    new_entry(api, title="电梯困人怎么办", answer="拨打电梯内的救援电话。")
    # No entry holds every word of the question: the one holding most of them comes first,
    # and how the question is put (怎么办) matches nothing by itself.
    assert titles(search(api, q="我的社保卡丢了怎么办")) == ["社保卡丢失如何挂失补办"]
    assert search(api, q="火星移民") == []
    assert search(api, q="！！？") == []  # nothing searchable: no result, no error
    assert titles(search(api, q="卡"))[0] == "社保卡丢失如何挂失补办"  # one character: words beginning with it


def test_search_filters_by_category_and_the_place_an_entry_applies_to(api):
    district, other = api.unit_id(DISTRICT), api.unit_id(OTHER_DISTRICT)
    new_entry(api, title="早市点位查询", answer="以区政府公布为准。", category="0101", area_unit_id=district)
    new_entry(api, title="全市早市管理规定", answer="每日5时至8时经营。", category="010101")
    new_entry(api, title="医保报销需要哪些材料", answer="提供发票。", category="060102")
    assert titles(search(api, q="早市", category="01")) == ["早市点位查询", "全市早市管理规定"]
    assert titles(search(api, q="早市", category="0601")) == []
    # A street of the district sees its district's entry; another district does not.
    assert set(titles(search(api, q="早市", unit=api.unit_id(STREET)))) == {"早市点位查询", "全市早市管理规定"}
    assert titles(search(api, q="早市", unit=other)) == ["全市早市管理规定"]
    resp = api.get("/api/v1/knowledge", "operator", query={"unit": 999999}, expect=400).get_json()
    assert resp["error"]["fields"] == {"unit": "没有这个单位"}


def test_every_change_is_a_version_and_a_stale_edit_is_refused(api):
    entry = new_entry(api, publish=False)
    assert entry["status"] == "draft" and entry["version"] == 1
    assert search(api, q="社保") == []  # drafts are the editors' only
    api.get(f"/api/v1/knowledge/{entry['id']}", "operator", expect=404)
    assert titles(search(api, "dispatcher", q="社保", status="draft")) == [entry["title"]]
    api.get("/api/v1/knowledge", "operator", query={"status": "all"}, expect=403)

    edited = api.request(
        "PATCH", f"/api/v1/knowledge/{entry['id']}", "supervisor", expect=200,
        json={"title": entry["title"], "answer": "拨打12333挂失后，到任一网点补卡，当场领取。", "version": 1,
              "note": "网点可即时制卡"},
    ).get_json()  # fmt: skip
    assert edited["version"] == 2
    stale = api.request(
        "PATCH", f"/api/v1/knowledge/{entry['id']}", "dispatcher", expect=409,
        json={"title": entry["title"], "answer": "旧口径", "version": 1},
    ).get_json()  # fmt: skip
    assert "第2版" in stale["error"]["message"]
    api.post(f"/api/v1/knowledge/{entry['id']}/publish", "dispatcher", json={"version": 2}, expect=200)
    assert titles(search(api, q="社保")) == [entry["title"]]
    api.post(
        f"/api/v1/knowledge/{entry['id']}/retire", "dispatcher", json={"version": 3, "note": "政策废止"}, expect=200
    )
    assert search(api, q="社保") == []

    history = api.get(f"/api/v1/knowledge/{entry['id']}/versions", "dispatcher", expect=200).get_json()["items"]
    assert [(v["version"], v["change"], v["status"]) for v in history] == [
        (4, "retire", "retired"), (3, "publish", "published"), (2, "edit", "draft"), (1, "create", "draft"),
    ]  # fmt: skip
    assert history[2]["answer"].startswith("拨打12333") and history[3]["answer"].startswith("先拨打")
    assert history[2]["edited_by"] == "督办员老张" and history[2]["note"] == "网点可即时制卡"


def test_only_the_centre_edits_and_bad_input_names_the_field(api):
    denied = new_entry(api, user="operator", expect=403)
    assert "维护" in denied["error"]["message"]
    new_entry(api, user=STREET_HANDLER, expect=403)
    bad = new_entry(api, expect=400, title="社", category="999999", valid_from="2026-05-01", valid_until="2026-04-01")
    assert set(bad["error"]["fields"]) >= {"title"}
    bad = new_entry(api, expect=400, category="999999")
    assert bad["error"]["fields"] == {"category": "没有这个分类"}
    bad = new_entry(api, expect=400, valid_from="2026-05-01", valid_until="2026-04-01")
    assert bad["error"]["fields"] == {"valid_until": "失效日期不能早于生效日期"}


def test_an_entry_out_of_its_validity_is_neither_found_nor_used(api):
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    expired = new_entry(api, title="暑期托管服务咨询", answer="以学校通知为准。", valid_until=yesterday)
    assert search(api, q="托管") == []
    appeal = api.create(type="咨询", title="咨询暑期托管", content="孩子放暑假，想问托管。")
    refused = api.act(appeal["id"], "answer", "operator", {"knowledge_entry_id": expired["id"]}, expect=400)
    assert refused["error"]["fields"] == {"knowledge_entry_id": "该条目不在有效期内"}


def test_units_propose_and_the_centre_reviews(api):
    entry = new_entry(api)
    proposal = api.post(
        "/api/v1/knowledge/proposals", STREET_HANDLER, expect=201,
        json={"entry_id": entry["id"], "title": entry["title"], "answer": "12333挂失；社区服务站也可代办补卡。",
              "reason": "社区服务站已开通代办"},
    ).get_json()  # fmt: skip
    assert (
        proposal["status"] == "pending" and proposal["base_version"] == 1 and proposal["unit"]["name"] == "太原街街道"
    )
    new = api.post(
        "/api/v1/knowledge/proposals", "operator", expect=201,
        json={"title": "居住证如何办理", "answer": "到居住地派出所申领。", "reason": "群众常问，库中没有"},
    ).get_json()  # fmt: skip

    # Each unit sees its own; the centre's editors see all.
    mine = api.get("/api/v1/knowledge/proposals", STREET_HANDLER, expect=200).get_json()["items"]
    assert [p["id"] for p in mine] == [proposal["id"]]
    assert {p["id"] for p in api.get("/api/v1/knowledge/proposals", "dispatcher").get_json()["items"]} == {
        proposal["id"],
        new["id"],
    }
    api.post(f"/api/v1/knowledge/proposals/{proposal['id']}/review", STREET_HANDLER,
             json={"decision": "accept"}, expect=403)  # fmt: skip
    no_reason = api.post(f"/api/v1/knowledge/proposals/{new['id']}/review", "dispatcher",
                         json={"decision": "reject"}, expect=400).get_json()  # fmt: skip
    assert no_reason["error"]["fields"] == {"note": "不采纳时请写明理由"}

    accepted = api.post(f"/api/v1/knowledge/proposals/{proposal['id']}/review", "dispatcher",
                        json={"decision": "accept", "note": "同意"}, expect=200).get_json()  # fmt: skip
    assert accepted["proposal"]["status"] == "accepted"
    assert accepted["entry"]["version"] == 2 and accepted["entry"]["answer"].startswith("12333挂失；社区服务站")
    history = api.get(f"/api/v1/knowledge/{entry['id']}/versions", "dispatcher").get_json()["items"]
    assert history[0]["change"] == "proposal"
    api.post(f"/api/v1/knowledge/proposals/{proposal['id']}/review", "dispatcher",
             json={"decision": "reject", "note": "重复"}, expect=409)  # fmt: skip

    created = api.post(f"/api/v1/knowledge/proposals/{new['id']}/review", "supervisor",
                       json={"decision": "accept"}, expect=200).get_json()  # fmt: skip
    assert created["entry"]["status"] == "published" and created["entry"]["version"] == 1
    assert titles(search(api, q="居住证")) == ["居住证如何办理"]


def test_a_direct_answer_from_an_entry_is_recorded_counted_and_texted(api):
    entry = new_entry(api, answer="先拨打12333挂失，再到社保卡服务网点补卡，即时制卡网点可当场领取。")
    appeal = api.create(type="咨询", title="社保卡丢了怎么补", content="社保卡丢了，想问怎么补办。")
    neither = api.act(appeal["id"], "answer", "operator", {}, expect=400)
    assert neither["error"]["fields"] == {"reply": "请填写答复内容，或选择一条知识库条目"}

    answered = api.act(appeal["id"], "answer", "operator", {"knowledge_entry_id": entry["id"]})
    assert answered["state"] == "revisiting"
    assert answered["outcome"]["public_reply"] == entry["answer"]
    assert (answered["outcome"]["knowledge_entry_id"], answered["outcome"]["knowledge_version"]) == (entry["id"], 1)
    assert api.get(f"/api/v1/knowledge/{entry['id']}", "operator").get_json()["answered"] == 1
    with api.app.app_context():
        [replied] = db.session.scalars(
            select(SmsMessage).where(SmsMessage.appeal_id == appeal["id"], SmsMessage.template == "sms.replied")
        ).all()
        assert "即时制卡网点可当场领取" in replied.text
        # 直接答复率 counts: appeals answered at the centre, and from which entry.
        counted = db.session.execute(select(Appeal.knowledge_entry_id).where(Appeal.knowledge_entry_id.is_not(None)))
        assert counted.scalars().all() == [entry["id"]]
    event = next(e for e in api.appeal(appeal["id"])["events"] if e["action"] == "answer")
    assert event["payload"]["knowledge_entry_id"] == entry["id"]

    # The operator's own words, with or without an entry.
    other = api.create(type="咨询", title="咨询社保卡", content="想问社保卡。")
    own = api.act(other["id"], "answer", "operator", {"knowledge_entry_id": entry["id"], "reply": "已告知补卡流程。"})
    assert own["outcome"]["public_reply"] == "已告知补卡流程。" and own["outcome"]["knowledge_entry_id"] == entry["id"]


def test_an_entry_for_another_district_cannot_answer(api):
    entry = new_entry(
        api, title="沈河区老旧小区改造", answer="以区住建局公示为准。", area_unit_id=api.unit_id(OTHER_DISTRICT)
    )
    appeal = api.create(type="咨询", title="咨询老旧小区改造", content="想问改造。")  # placed in 和平区
    refused = api.act(appeal["id"], "answer", "operator", {"knowledge_entry_id": entry["id"]}, expect=400)
    assert "只适用于沈河区" in refused["error"]["fields"]["knowledge_entry_id"]


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_pages_search_edit_and_answer(app, api):
    entry = new_entry(api, title="违章停车如何举报", answer="可拨打12345或通过随手拍上传照片和位置。")
    operator = Browser(app, "operator")
    page = operator.get("/knowledge?q=停车")
    assert "违章停车如何举报" in page and "新建条目" not in page

    editor = Browser(app, "dispatcher")
    editor.submit("/knowledge/new", "/knowledge/new", {"title": "夜间施工噪音扰民", "answer": "22时后禁止施工。",
                                                      "category": "050201", "publish": "1"})  # fmt: skip
    assert "夜间施工噪音扰民" in operator.get("/knowledge?q=噪音")
    bad = editor.submit("/knowledge/new", "/knowledge/new", {"title": "噪", "answer": "x"}, expect=400)
    assert "field-error" in bad.get_data(as_text=True)
    editor.submit(f"/knowledge/{entry['id']}/edit", f"/knowledge/{entry['id']}/edit",
                  {"title": "违章停车如何举报", "answer": "拨打12345或随手拍。", "version": "1", "note": "精简"})  # fmt: skip
    history = editor.get(f"/knowledge/{entry['id']}")
    assert "第 2 版" in history and "精简" in history and "修改" in history

    handler = Browser(app, STREET_HANDLER)
    handler.submit("/knowledge/propose", f"/knowledge/propose?entry_id={entry['id']}",
                   {"entry_id": str(entry["id"]), "title": "违章停车如何举报", "answer": "拨打12345、随手拍或110。",
                    "reason": "夜间可报110"})  # fmt: skip
    queue = editor.get("/knowledge/proposals")
    assert "夜间可报110" in queue and "太原街街道" in queue

    appeal = api.create(type="咨询", title="违章停车怎么举报", content="想问违章停车怎么举报。")
    form = operator.get(f"/appeals/{appeal['id']}")
    assert f'data-knowledge="{entry["id"]}"' in form
    operator.submit(f"/appeals/{appeal['id']}/actions/answer", f"/appeals/{appeal['id']}",
                    {"knowledge_entry_id": str(entry["id"])})  # fmt: skip
    done = operator.get(f"/appeals/{appeal['id']}")
    assert "依据知识库" in done and "拨打12345或随手拍。" in done


def test_appeal_search_uses_the_same_index_over_title_address_and_content(api):
    parking = api.create(
        title="车辆长期占用消防通道", content="小区消防通道常年停满私家车。", address="和平区太原北街86号"
    )
    noise = api.create(
        category="050202", title="广场舞音响扰民", content="每晚九点后音响声音很大。", address="沈河区青年大街1号"
    )

    def found(user="dispatcher", **query) -> list[int]:
        return [a["id"] for a in api.get("/api/v1/appeals", user, query=query, expect=200).get_json()["items"]]

    assert found(q="消防") == [parking["id"]]  # a two-character word of the title
    assert found(q="私家车") == [parking["id"]]  # of the content
    assert found(q="太原北街") == [parking["id"]]  # of the address
    assert found(q="扰民 音响") == [noise["id"]]  # every word, in any order
    assert found(q="消防 音响") == []
    assert found(q=parking["number"]) == [parking["id"]]
    assert found(q="广场舞", state="accepted") == [noise["id"]]  # with the other filters
    # A unit finds only what it may see: what reached it or a unit below it, ever.
    api.act(parking["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)})
    assert found(STREET_HANDLER, q="消防") == [parking["id"]]
    assert found(STREET_HANDLER, q="广场舞") == []
    assert found(f"u{DISTRICT}", q="消防 私家车") == [parking["id"]]
    assert found(f"u{COMMUNITY}", q="消防") == found(f"u{OTHER_DISTRICT}", q="消防") == []
    api.act(parking["id"], "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(COMMUNITY)})
    assert found(f"u{COMMUNITY}", q="消防") == [parking["id"]]
    assert found(STREET_HANDLER, q="消防", state="dispatched") == [parking["id"]]  # passed on, still its
    api.act(parking["id"], "return", f"u{COMMUNITY}", {"reason": "需街道协调", "basis": "社区职责清单"})
    api.act(parking["id"], "approve_return", STREET_HANDLER)
    api.act(parking["id"], "return", STREET_HANDLER, {"reason": "跨区事项", "basis": "确责清单"})
    api.act(parking["id"], "approve_return", "dispatcher")
    api.act(parking["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(OTHER_STREET)})
    assert found(f"u{OTHER_DISTRICT}", q="消防") == found(f"u{DISTRICT}", q="消防") == [parking["id"]]


def test_a_search_by_words_counts_to_its_limit_and_pages_past_it(api):
    made = [api.create(title=f"井盖缺失第{i}处", content="路口井盖丢失") for i in range(3)]
    api.app.config["HOTLINE_SEARCH_COUNT_LIMIT"] = 2

    def page(number: int) -> dict:
        query = {"q": "井盖", "per_page": 1, "page": number}
        return api.get("/api/v1/appeals", "dispatcher", query=query, expect=200).get_json()

    first, second, third = page(1), page(2), page(3)
    assert (first["total"], first["total_capped"], second["total"], third["total_capped"]) == (2, True, 2, True)
    newest_first = [p["items"][0]["id"] for p in (first, second, third)]
    assert newest_first == [a["id"] for a in reversed(made)]


def test_the_migration_indexes_the_appeals_already_there(tmp_path):
    from flask_migrate import upgrade

    from hotline.demo import load_reference
    from tests.conftest import PASSWORD, make_app
    from tests.helpers import ApiClient

    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path)
    with app.app_context():
        upgrade(revision="0013_knowledge")
        load_reference(PASSWORD, latest=False)
        with db.engine.begin() as conn:  # an appeal registered before the index existed
            conn.exec_driver_sql(
                "INSERT INTO appeals (number, query_code, channel, type, category_id, urgency, title, content, "
                "address, is_confidential, is_anonymous, is_enterprise, state, designated, received_at, created_at, "
                "updated_at, dispatch_count, return_count, reopen_count, extension_count, satisfaction, version) "
                "SELECT '2026010101000001', '123456', '电话', '投诉', id, '一般', '井盖缺失', '路口井盖丢失很危险', "
                "'和平区南京街', 0, 0, 0, 'accepted', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', 0, 0, 0, 0, '未评价', 1 FROM categories WHERE code = '010202'"
            )
        upgrade()
        db.engine.dispose()
    items = ApiClient(app).get("/api/v1/appeals", "dispatcher", query={"q": "井盖"}, expect=200).get_json()["items"]
    assert [a["number"] for a in items] == ["2026010101000001"]


@pytest.mark.postgres
def test_the_migration_lets_a_unit_search_the_appeals_that_reached_it_on_postgresql(tmp_path):
    from flask_migrate import upgrade

    from hotline.core.fulltext import APPEALS
    from hotline.demo import load_reference
    from tests.conftest import PASSWORD, empty_postgres, make_app
    from tests.helpers import ApiClient

    with empty_postgres("hotline_scopes") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="0017_caller_name")
            load_reference(PASSWORD, latest=False)
            with db.engine.begin() as conn:  # an appeal sent to 太原街街道 before documents had scopes
                appeal_id = conn.exec_driver_sql(
                    "INSERT INTO appeals (number, query_code, channel, type, category_id, urgency, title, content, "
                    "address, is_confidential, is_anonymous, is_enterprise, state, designated, received_at, "
                    "created_at, updated_at, dispatch_count, return_count, reopen_count, extension_count, "
                    "satisfaction, version) SELECT '2026010101000001', '123456', '电话', '投诉', id, '一般', "
                    "'井盖缺失', '路口井盖丢失很危险', '和平区南京街', false, false, false, 'dispatched', false, "
                    "now(), now(), now(), 1, 0, 0, 0, '未评价', 1 FROM categories WHERE code = '010202' RETURNING id"
                ).scalar_one()
                APPEALS.put_many(conn, [(appeal_id, {"title": "井盖缺失", "content": "路口井盖丢失很危险"})])
                conn.execute(
                    text(
                        "INSERT INTO appeal_reach (unit_id, appeal_id) SELECT id, :a FROM units WHERE code IN :c"
                    ).bindparams(bindparam("c", expanding=True)),
                    {"a": appeal_id, "c": ["21", "2101", DISTRICT, STREET]},
                )
            upgrade()
            db.engine.dispose()
        client = ApiClient(app)

        def found(user: str) -> list[str]:
            items = client.get("/api/v1/appeals", user, query={"q": "井盖"}, expect=200).get_json()["items"]
            return [a["number"] for a in items]

        assert found(f"u{DISTRICT}") == found(STREET_HANDLER) == ["2026010101000001"]
        assert found(f"u{OTHER_DISTRICT}") == found(f"u{COMMUNITY}") == []
        with app.app_context():
            db.engine.dispose()


def test_a_unit_proposes_an_entry_from_the_consultation_it_answered(api):
    appeal = api.appeal_in("replied", type="咨询", title="咨询老旧小区加装电梯", content="想问加装电梯怎么申请。")
    proposal = api.post(
        f"/api/v1/appeals/{appeal['id']}/knowledge-proposals", STREET_HANDLER, expect=201,
        json={"title": "老旧小区如何申请加装电梯", "answer": "本单元业主表决同意后向街道提出申请。", "reason": "居民常问"},
    ).get_json()  # fmt: skip
    assert proposal["appeal_id"] == appeal["id"] and proposal["unit"]["name"] == "太原街街道"
    other = api.create(title="别处的咨询")
    api.post(f"/api/v1/appeals/{other['id']}/knowledge-proposals", STREET_HANDLER, expect=404,
             json={"title": "不可见", "answer": "不可见的诉求", "reason": "试试"})  # fmt: skip
    page = Browser(api.app, "operator").get(f"/appeals/{appeal['id']}")
    assert "建议补充知识库" in page
    queue = Browser(api.app, "dispatcher").get("/knowledge/proposals")
    assert "老旧小区如何申请加装电梯" in queue


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_intake_console_registers_and_answers_from_an_entry_in_one_step(app, api):
    """The operator's intake form offers the knowledge base beside the call (the dispatcher's
    does not: only operators answer); pressing an entry's button registers the call and
    answers it from that entry, so it is never dispatched; an entry that cannot answer it
    leaves the call registered and says why."""
    entry = new_entry(api, title="社保卡丢失如何挂失补办", answer="先拨打12333挂失，再到社保卡服务网点补卡。")
    operator = Browser(app, "operator")
    assert 'id="knowledge"' in operator.get("/appeals/new")
    assert 'id="knowledge"' not in Browser(app, "dispatcher").get("/appeals/new")
    call = {"type": "咨询", "channel": "电话", "urgency": "一般", "category": "060101", "title": "社保卡丢了怎么补",
            "content": "社保卡丢了，想问怎么补办。", "citizen_phone": "13800000001", "lat": "41.80", "lon": "123.40"}  # fmt: skip
    resp = operator.submit("/appeals/new", "/appeals/new", call | {"answer_with": str(entry["id"])})
    answered = api.appeal(resp.headers["Location"].rsplit("/", 1)[-1])
    assert answered["state"] == "revisiting" and answered["outcome"]["public_reply"] == entry["answer"]
    assert api.get(f"/api/v1/knowledge/{entry['id']}", "operator").get_json()["answered"] == 1

    elsewhere = new_entry(api, title="沈河区社保卡补办网点", answer="到沈河区政务服务中心。",
                          area_unit_id=api.unit_id(OTHER_DISTRICT))  # fmt: skip
    resp = operator.submit("/appeals/new", "/appeals/new", call | {"answer_with": str(elsewhere["id"])})
    kept = api.appeal(resp.headers["Location"].rsplit("/", 1)[-1])
    assert kept["state"] == "accepted"  # registered all the same, for the operator to decide
    told = operator.get(f"/appeals/{kept['id']}")
    assert "已受理，但未能直接答复" in told and "该条目只适用于沈河区" in told, told[told.find("flash") :][:600]
