"""The closed loop, walked through the API by the people who do each step."""

from __future__ import annotations

from tests.helpers import COMMUNITY, DISTRICT, GRID, STREET, STREET_HANDLER, pause_request


def path_of(appeal: dict) -> list[tuple[str, str | None, str]]:
    return [(e["action"], e["from_state"], e["to_state"]) for e in appeal["events"]]


def test_all_eight_stages_by_the_right_roles(api):
    """受理 → 转办 → 办理 → 督办 → 反馈 → 回访 → 监督 → 评价."""
    appeal = api.create("operator")
    ref = appeal["id"]
    assert appeal["state"] == "accepted" and appeal["number"].startswith(appeal["received_at"][:10].replace("-", ""))
    assert appeal["allowed_actions"] == ["dispatch", "answer", "merge", "link_repeat", "void"]
    assert api.appeal(ref, "dispatcher")["allowed_actions"] == ["dispatch", "merge", "link_repeat", "void"]

    appeal = api.act(ref, "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET), "note": "属地街道办理"})
    assert appeal["state"] == "dispatched"
    assert appeal["current_unit"]["code"] == STREET and appeal["main_unit"]["code"] == STREET
    assert appeal["deadlines"]["sign_due_at"] and appeal["deadlines"]["due_at"]
    assert appeal["sla"]["status"] == "on_time" and appeal["sla"]["due_at"] == appeal["deadlines"]["sign_due_at"]

    appeal = api.act(ref, "sign", STREET_HANDLER)
    assert appeal["state"] == "handling" and appeal["sla"]["due_at"] == appeal["deadlines"]["due_at"]

    appeal = api.act(ref, "supervise", "supervisor", {"level": "yellow", "note": "群众反映强烈，请加快办理"})
    assert appeal["state"] == "supervised" and appeal["supervision_level"] == "yellow"

    appeal = api.act(ref, "reply", STREET_HANDLER, {"result": "已劝离摊贩，安排每日巡查", "resolved": "解决"})
    assert appeal["state"] == "replied" and appeal["supervision_level"] is None
    assert appeal["outcome"]["public_reply"] == "已劝离摊贩，安排每日巡查"

    appeal = api.act(ref, "approve_reply", "dispatcher")
    assert appeal["state"] == "revisiting" and appeal["deadlines"]["visit_due_at"]

    appeal = api.act(
        ref, "visit", "visitor", {"reached": True, "resolved": "解决", "satisfaction": "满意", "contacted": True}
    )
    assert appeal["state"] == "auditing" and appeal["outcome"]["satisfaction"] == "满意"

    appeal = api.act(ref, "audit", "supervisor", {"passed": True, "note": "抽查属实"})
    assert appeal["state"] == "evaluated" and appeal["closed_at"] and appeal["sla"]["status"] is None
    assert appeal["allowed_actions"] == []

    assert path_of(appeal) == [
        ("create", None, "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("sign", "dispatched", "handling"),
        ("supervise", "handling", "supervised"),
        ("reply", "supervised", "replied"),
        ("approve_reply", "replied", "revisiting"),
        ("visit", "revisiting", "auditing"),
        ("audit", "auditing", "evaluated"),
    ]
    actors = [e["actor"] for e in appeal["events"]]
    assert actors == [
        "话务员小王",
        "派单员小李",
        "太原街街道承办人",
        "督办员老张",
        "太原街街道承办人",
        "派单员小李",
        "回访员小刘",
        "督办员老张",
    ]
    assert appeal["version"] == 8  # one bump per action
    assert appeal["events"][1]["target_unit"]["code"] == STREET


def test_each_answer_is_the_appeal_as_a_fresh_read_shows_it(api):
    """The answer to an action is built from what the action read and wrote, not read back
    after the commit: it must still be exactly what opening the appeal then shows that
    person, its new event last, through a person acting twice in a row (the street signs,
    then replies) and a step that adds a row of another kind (a pause)."""
    ref = api.create()["id"]
    steps = [
        *api.steps_to("handling"),
        ("request_pause", STREET_HANDLER, pause_request(3)),
        ("approve_pause", "supervisor", {}),
        ("resume", STREET_HANDLER, {}),
        ("reply", STREET_HANDLER, {"result": "已劝离摊贩并每日巡查", "resolved": "解决"}),
    ]
    for action, user, body in steps:
        answer = api.act(ref, action, user, body)
        assert answer["events"][-1]["action"] == action
        assert answer == api.appeal(ref, user), action


def test_redispatch_down_and_return_up_the_tree(api):
    appeal = api.appeal_in("dispatched")
    ref = appeal["id"]
    appeal = api.act(ref, "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(COMMUNITY)})
    assert appeal["current_unit"]["code"] == COMMUNITY and appeal["state"] == "dispatched"
    appeal = api.act(ref, "redispatch", f"u{COMMUNITY}", {"unit_id": api.unit_id(GRID)})
    assert appeal["current_unit"]["code"] == GRID

    # Each return goes to whoever sent it down (派单异议审核), which accepts it: the grid's
    # to the community, the community's to the street, the street's to the centre.
    for unit, reviewer, back_to in ((f"u{GRID}", f"u{COMMUNITY}", COMMUNITY),
                                    (f"u{COMMUNITY}", STREET_HANDLER, STREET),
                                    (STREET_HANDLER, "dispatcher", None)):  # fmt: skip
        appeal = api.act(ref, "return", unit, {"reason": "不属于本单位职责", "basis": "职责清单第3条"})
        assert appeal["state"] == "returning"
        appeal = api.act(ref, "approve_return", reviewer)
        assert (appeal["current_unit"] or {}).get("code") == back_to
    assert appeal["state"] == "accepted" and appeal["current_unit"] is None
    assert appeal["counters"]["returns"] == 3 and appeal["counters"]["dispatches"] == 3

    # After three returns the centre designates a unit, and that unit may not return it.
    appeal = api.act(ref, "dispatch", "dispatcher", {"unit_id": api.unit_id(DISTRICT)})
    assert appeal["designated"] is True
    refused = api.act(ref, "return", f"u{DISTRICT}", {"reason": "不属于本单位", "basis": "无"}, expect=409)
    assert "已退单3次" in refused["error"]["message"]
    assert "return" not in api.appeal(ref, f"u{DISTRICT}")["allowed_actions"]
    assert [e["action"] for e in api.appeal(ref)["events"]] == [
        "create",
        "dispatch",
        "redispatch",
        "redispatch",
        *["return", "approve_return"] * 3,
        "dispatch",
    ]


def test_redispatch_only_below_the_current_unit(api):
    appeal = api.appeal_in("dispatched")
    refused = api.act(appeal["id"], "redispatch", STREET_HANDLER, {"unit_id": api.unit_id(DISTRICT)}, expect=400)
    assert "unit_id" in refused["error"]["fields"]
    assert api.appeal(appeal["id"])["current_unit"]["code"] == STREET


def test_return_needs_reason_and_basis(api):
    appeal = api.appeal_in("dispatched")
    refused = api.act(appeal["id"], "return", STREET_HANDLER, {"reason": "不属于本单位"}, expect=400)
    assert refused["error"]["fields"] == {"basis": "必填"}


def test_dissatisfied_citizen_reopens_it_to_the_unit(api):
    appeal = api.appeal_in("revisiting")
    ref = appeal["id"]
    appeal = api.act(
        ref,
        "visit",
        "visitor",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "摊贩又回来了"},
    )
    assert appeal["state"] == "handling" and appeal["current_unit"]["code"] == STREET
    assert appeal["counters"]["reopens"] == 1 and appeal["sla"]["status"] == "on_time"
    appeal = api.act(ref, "reply", STREET_HANDLER, {"result": "已没收经营工具", "resolved": "解决"})
    appeal = api.act(ref, "approve_reply", "dispatcher")
    appeal = api.act(
        ref,
        "visit",
        "visitor",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "问题仍未解决"},
    )
    assert appeal["counters"]["reopens"] == 2 and appeal["state"] == "handling"
    api.act(ref, "reply", STREET_HANDLER, {"result": "已设置隔离护栏", "resolved": "部分解决"})
    api.act(ref, "approve_reply", "dispatcher")
    # No rounds left: a third 不满意 goes on to oversight instead of reopening.
    appeal = api.act(
        ref,
        "visit",
        "visitor",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "问题仍未解决"},
    )
    assert appeal["state"] == "auditing" and appeal["outcome"]["satisfaction"] == "不满意"


def test_failed_audit_reopens_and_unreached_citizen_is_unrated(api):
    appeal = api.appeal_in("revisiting")
    ref = appeal["id"]
    appeal = api.act(ref, "visit", "visitor", {"reached": False, "call_result": "空号", "note": "号码为空号"})
    assert appeal["state"] == "auditing" and appeal["outcome"]["satisfaction"] == "未评价"
    refused = api.act(ref, "audit", "supervisor", {"passed": False}, expect=400)
    assert "note" in refused["error"]["fields"]
    appeal = api.act(ref, "audit", "supervisor", {"passed": False, "note": "现场核查摊贩仍在，虚假办结"})
    assert appeal["state"] == "handling" and appeal["current_unit"]["code"] == STREET
    assert appeal["counters"]["reopens"] == 1


def test_rejected_reply_goes_back_to_handling(api):
    appeal = api.appeal_in("replied")
    appeal = api.act(appeal["id"], "reject_reply", "dispatcher", {"note": "未说明处理过程"})
    assert appeal["state"] == "handling" and appeal["sla"]["due_at"] == appeal["deadlines"]["due_at"]


def test_direct_answer_and_reopen_to_the_centre(api):
    appeal = api.create("operator", type="咨询", category="030401", title="咨询公租房申请条件")
    ref = appeal["id"]
    appeal = api.act(ref, "answer", "operator", {"reply": "请携带身份证、户口本到街道政务服务中心申请。"})
    assert appeal["state"] == "revisiting" and appeal["main_unit"] is None
    appeal = api.act(
        ref,
        "visit",
        "visitor",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "问题仍未解决"},
    )
    # Nobody below handled it: it goes back to the centre to be dispatched.
    assert appeal["state"] == "accepted" and appeal["counters"]["reopens"] == 1
    assert api.act(ref, "dispatch", "dispatcher", {"unit_id": api.unit_id("210102ZJ")})["state"] == "dispatched"


def test_extension_moves_the_deadline_in_working_days(api):
    appeal = api.appeal_in("handling")
    ref = appeal["id"]
    before = appeal["deadlines"]["due_at"]
    appeal = api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 3, "reason": "需协调多部门"})
    assert appeal["deadlines"]["due_at"] == before
    assert (
        api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 1, "reason": "再延"}, expect=409)["error"][
            "message"
        ]
        == "已有待审批的延期申请"
    )
    too_long = api.appeal_in("handling")
    assert (
        "working_days"
        in api.act(too_long["id"], "request_extension", STREET_HANDLER, {"working_days": 6, "reason": "x"}, expect=400)[
            "error"
        ]["fields"]
    )
    appeal = api.act(ref, "approve_extension", "supervisor", {"note": "同意"})
    assert appeal["deadlines"]["due_at"] > before and appeal["counters"]["extensions"] == 1
    assert appeal["deadlines"]["due_at"].endswith("23:59:59+08:00")
    # 一般 appeals may be extended twice.
    api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 2, "reason": "仍需协调"})
    api.act(ref, "reject_extension", "supervisor", {"note": "请按期办结"})
    api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 2, "reason": "第二次"})
    appeal = api.act(ref, "approve_extension", "supervisor")
    assert appeal["counters"]["extensions"] == 2
    refused = api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 1, "reason": "第三次"}, expect=409)
    assert "延期次数已用完" in refused["error"]["message"]


def test_a_reply_ends_a_pending_extension_request(api):
    """A request for more time still waiting when the unit replies ends with the reply: after
    a 重办 the unit may ask again, and only its new request can be approved."""
    appeal = api.appeal_in("handling")
    ref = appeal["id"]
    api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 5, "reason": "需协调多部门"})
    api.act(ref, "reply", STREET_HANDLER, {"result": "已清理", "resolved": "解决"})
    api.act(ref, "approve_reply", "dispatcher")
    reopened = api.act(
        ref,
        "visit",
        "visitor",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "问题仍未解决"},
    )
    assert (
        reopened["state"] == "handling" and "approve_extension" not in api.appeal(ref, "supervisor")["allowed_actions"]
    )
    api.act(ref, "request_extension", STREET_HANDLER, {"working_days": 1, "reason": "重办需复查"})
    approved = api.act(ref, "approve_extension", "supervisor")
    assert approved["events"][-1]["payload"]["working_days"] == 1 and approved["counters"]["extensions"] == 1


def test_urgent_appeals_cannot_be_extended(api):
    appeal = api.appeal_in("handling", urgency="紧急")
    refused = api.act(appeal["id"], "request_extension", STREET_HANDLER, {"working_days": 1, "reason": "x"}, expect=409)
    assert refused["error"]["message"].startswith("紧急诉求不能延期；") and "长周期事项" in refused["error"]["message"]


def test_merge_and_void_close_the_repeat(api):
    master = api.appeal_in("handling")
    repeat = api.create("operator", citizen_phone="13900001111")
    merged = api.act(repeat["id"], "merge", "operator", {"master_number": master["number"]})
    assert merged["state"] == "merged" and merged["merged_into"] == master["number"] and merged["closed_at"]
    closed = api.appeal_in("evaluated")
    another = api.create("operator")
    refused = api.act(another["id"], "merge", "operator", {"master_number": closed["number"]}, expect=400)
    assert "master_number" in refused["error"]["fields"]
    handover = {"police_desk": "110指挥中心2号席", "police_incident": "J2026120200001"}
    voided = api.act(another["id"], "void", "dispatcher", {"reason": "转110", "note": "涉及治安案件", **handover})
    assert voided["state"] == "voided" and voided["void_reason"] == "转110"


def test_supervise_card_rises_from_yellow_to_red_only(api):
    appeal = api.appeal_in("supervised")
    ref = appeal["id"]
    assert (
        "level"
        in api.act(ref, "supervise", "supervisor", {"level": "yellow", "note": "再催"}, expect=400)["error"]["fields"]
    )
    assert api.act(ref, "supervise", "supervisor", {"level": "red", "note": "红牌"})["supervision_level"] == "red"
    assert api.act(ref, "supervise", "supervisor", {"level": "red", "note": "再红"}, expect=409)


def test_an_unsigned_appeal_under_supervision_is_signed_then_replied(api):
    appeal = api.appeal_in("dispatched")
    ref = appeal["id"]
    api.act(ref, "supervise", "supervisor", {"level": "yellow", "note": "尚未签收"})
    refused = api.act(ref, "reply", STREET_HANDLER, {"result": "x", "resolved": "解决"}, expect=409)
    assert refused["error"]["message"] == "工单尚未签收，请先签收"
    appeal = api.act(ref, "sign", STREET_HANDLER)
    assert appeal["state"] == "supervised"
    assert api.act(ref, "reply", STREET_HANDLER, {"result": "已处理", "resolved": "解决"})["state"] == "replied"
