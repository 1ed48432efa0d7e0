"""The responsibility list (确责清单): ranked suggestions with the rule behind each, area
rules before general ones, departments' duties never pushed below the district, and the
list edited by administrators only, with an audit trail."""

from __future__ import annotations

from sqlalchemy import select

from hotline.auth.models import User
from hotline.core.audit import AuditEntry
from hotline.core.extensions import db
from tests.helpers import DISTRICT, STREET

IN_HEPING = {"lat": 41.88, "lon": 123.32}  # 和平区 太原街街道 民主社区第一网格
IN_SHENHE = {"lat": 41.75, "lon": 123.47}  # 沈河区 朱剪炉街道


def routing(api, appeal):
    return api.get(f"/api/v1/appeals/{appeal['id']}/routing", "dispatcher", expect=200).get_json()


def test_area_rule_comes_before_the_general_one(api):
    stalls = api.create(category="010101", title="占道经营", **IN_HEPING)
    result = routing(api, stalls)
    assert [s["unit"]["code"] for s in result["suggestions"]] == ["210102CG", STREET]
    first = result["suggestions"][0]["rule"]
    assert first["area"]["code"] == "210102" and first["category"] == "0101"
    assert "和平区试点" in first["basis"]
    assert result["department_duty"]["id"] == first["id"]
    # In 沈河区 the 和平区 rule does not apply: the street's duty.
    elsewhere = routing(api, api.create(category="010101", title="占道经营", **IN_SHENHE))
    assert [s["unit"]["code"] for s in elsewhere["suggestions"]] == ["210103002"]
    assert elsewhere["department_duty"] is None


def test_deeper_category_comes_before_its_parent(api):
    # 路灯 (010203) is 城管's; its parent 市政设施 (0102) is 住建's.
    result = routing(api, api.create(category="010203", title="路灯不亮", **IN_SHENHE))
    assert [(s["rank"], s["unit"]["code"], s["rule"]["category"]) for s in result["suggestions"]] == [
        (1, "210103CG", "010203"),
        (2, "210103ZJ", "0102"),
    ]


def test_grid_and_community_duties_resolve_to_the_place(api):
    clutter = routing(api, api.create(category="010102", title="楼道堆物", lat=41.75, lon=123.47))
    assert clutter["suggestions"][0]["unit"]["level"] == "grid"
    assert clutter["suggestions"][0]["unit"]["code"] == clutter["place"]["grid"]["code"]
    noise = routing(api, api.create(category="050202", title="广场舞噪声", **IN_HEPING))
    assert [s["unit"]["level"] for s in noise["suggestions"][:2]] == ["community", "street"]
    assert noise["department_duty"] is None


def test_without_a_place_only_city_duties_resolve(api):
    water = routing(api, api.create(category="100101", title="停水", lat=None, lon=None))
    assert [s["unit"]["code"] for s in water["suggestions"]] == ["210100ZJ"]
    parking = routing(api, api.create(category="040201", title="违停", lat=None, lon=None))
    assert parking["suggestions"] == [] and "未能定位到街道级属地单位" in parking["notes"][0]
    assert parking["place"]["reason"] == "未提供坐标，由热线中心人工派单"


def test_department_duty_is_never_pushed_down(api):
    road = api.create(category="010201", title="道路坑洼", **IN_HEPING)
    refused = api.act(road["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(STREET)}, expect=400)["error"]
    assert "部门职责不得下沉到街道" in refused["fields"]["unit_id"] and refused["rule_id"]
    assert "区级住建部门" in refused["message"]
    # The district government may take it, but may not hand it down either.
    api.act(road["id"], "dispatch", "dispatcher", {"unit_id": api.unit_id(DISTRICT)})
    refused = api.act(road["id"], "redispatch", f"u{DISTRICT}", {"unit_id": api.unit_id(STREET)}, expect=400)
    assert "不得下沉" in refused["error"]["fields"]["unit_id"]
    assert api.appeal(road["id"])["current_unit"]["code"] == DISTRICT
    # An area duty goes down freely.
    parking = api.appeal_in("dispatched")
    assert api.act(parking["id"], "redispatch", f"u{STREET}", {"unit_id": api.unit_id(f"{STREET}001")})


def test_rules_are_edited_by_admins_only(api):
    body = {
        "category": "0401",
        "target_kind": "department",
        "target_level": "district",
        "dept_type": "城管",
        "priority": 1,
        "basis": "公交站点设施由城管部门维护",
    }
    assert api.post("/api/v1/routing-rules", "dispatcher", json=body, expect=403)
    created = api.post("/api/v1/routing-rules", "admin", json=body, expect=201).get_json()
    assert created["description"].startswith(f"规则#{created['id']}：交通出行 / 公共交通 → 区级城管部门")
    bus = routing(api, api.create(category="040101", title="公交站", **IN_HEPING))
    assert bus["suggestions"][0]["unit"]["code"] == "210102CG"

    updated = api.request(
        "PUT", f"/api/v1/routing-rules/{created['id']}", "admin", json=body | {"dept_type": "住建"}, expect=200
    ).get_json()
    assert updated["dept_type"] == "住建"
    api.request("DELETE", f"/api/v1/routing-rules/{created['id']}", "admin", expect=204)
    api.request("DELETE", f"/api/v1/routing-rules/{created['id']}", "admin", expect=404)
    with api.app.app_context():
        trail = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "responsibility_rule", AuditEntry.entity_id == str(created["id"]))
            .order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in trail] == ["create", "update", "delete"]
        assert trail[1].data["before"]["dept_type"] == "城管" and trail[1].data["after"]["dept_type"] == "住建"
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert {e.actor_id for e in trail} == {admin.id}


def test_bad_rules_are_400_naming_the_field(api):
    cases = [
        ({"category": "9999"}, "category", "没有这个分类"),
        ({"target_level": "street"}, "target_level", "不能下沉到街道"),
        ({"dept_type": "交通"}, "dept_type", "没有区级「交通」部门"),
        ({"dept_type": None}, "dept_type", "必须指定部门类型"),
        ({"area": "210102001001001"}, "area", None),  # a grid is an area: accepted
        ({"target_kind": "area", "dept_type": "城管"}, "dept_type", "属地规则不指定部门类型"),
        ({"priority": 0}, "priority", "不能小于1"),
    ]
    base = {"category": "0401", "target_kind": "department", "target_level": "district", "dept_type": "城管"}
    for change, field, message in cases:
        resp = api.post(
            "/api/v1/routing-rules", "admin", json={k: v for k, v in (base | change).items() if v is not None}
        )
        if message is None:
            assert resp.status_code == 201
            continue
        assert resp.status_code == 400 and message in resp.get_json()["error"]["fields"][field], (
            change,
            resp.get_json(),
        )


def test_csv_import_replaces_the_list_or_names_every_bad_line(api):
    before = api.get("/api/v1/routing-rules", "dispatcher", expect=200).get_json()["items"]
    bad = (
        "category,area,target_kind,target_level,dept_type,priority,basis\n"
        "0401,,area,district,,1,ok\n"
        "7777,,area,district,,1,unknown category\n"
        "0401,,department,grid,城管,1,too low\n"
    )
    error = api.post("/api/v1/routing-rules/import", "admin", json={"csv": bad}, expect=400).get_json()["error"]
    assert error["code"] == "import_rejected"
    assert error["problems"][0].startswith("第3行：category") and error["problems"][1].startswith("第4行：target_level")
    assert api.get("/api/v1/routing-rules", "dispatcher").get_json()["items"] == before
    good = "category,area,target_kind,target_level,dept_type,priority,basis\n01,,area,street,,1,全部街道\n"
    assert api.post("/api/v1/routing-rules/import", "admin", json={"csv": good}, expect=200).get_json() == {"rules": 1}
    assert [r["category"] for r in api.get("/api/v1/routing-rules", "dispatcher").get_json()["items"]] == ["01"]


def test_rules_cli_round_trip(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    target = tmp_path / "rules.csv"
    assert runner.invoke(args=["grid", "rules-export", str(target)]).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("category,area,target_kind,target_level,dept_type,priority,basis\n")
    assert "0101,210102,department,district,城管,1," in text
    result = runner.invoke(args=["grid", "rules-import", str(target)])
    assert result.exit_code == 0 and "imported 27 rules" in result.output
    assert runner.invoke(args=["grid", "rules-export", str(tmp_path / "again.csv")]).exit_code == 0
    assert (tmp_path / "again.csv").read_text(encoding="utf-8") == text
