"""The 确责清单 pages: the centre reads the list, administrators edit and import it."""

from __future__ import annotations

import io
import re

from tests.helpers import Browser


def test_everyone_at_the_centre_reads_admins_edit(sqlite_app):
    html = Browser(sqlite_app, "dispatcher").get("/admin/routing-rules")
    assert "确责清单" in html and "和平区试点" in html and "新增规则" not in html
    Browser(sqlite_app, "dispatcher").get("/admin/routing-rules/new", expect=403)
    assert "新增规则" in Browser(sqlite_app, "admin").get("/admin/routing-rules")


def test_admin_creates_edits_and_deletes_a_rule(sqlite_app):
    admin = Browser(sqlite_app, "admin")
    form = {
        "category": "0401",
        "target_kind": "department",
        "target_level": "street",
        "dept_type": "城管",
        "priority": "1",
        "basis": "公交站亭由城管维护",
        "active": "true",
    }
    refused = admin.submit("/admin/routing-rules/new", "/admin/routing-rules/new", form, expect=400)
    html = refused.get_data(as_text=True)
    assert "不能下沉到街道" in html and "公交站亭由城管维护" in html  # what was typed is kept
    admin.submit("/admin/routing-rules/new", "/admin/routing-rules/new", form | {"target_level": "district"})
    listing = admin.get("/admin/routing-rules")
    rule_id = re.findall(r'data-rule="(\d+)"', listing)[-1]
    assert "已保存：规则#" in listing and "公交站亭由城管维护" in listing
    admin.submit(
        f"/admin/routing-rules/{rule_id}",
        f"/admin/routing-rules/{rule_id}",
        form | {"target_level": "district", "dept_type": "住建"},
    )
    assert "区级住建部门" in admin.get("/admin/routing-rules")
    admin.submit(f"/admin/routing-rules/{rule_id}/delete", "/admin/routing-rules", {})
    assert f'data-rule="{rule_id}"' not in admin.get("/admin/routing-rules")


def test_csv_upload_names_bad_lines_and_keeps_the_list(sqlite_app):
    admin = Browser(sqlite_app, "admin")
    before = re.findall(r'data-rule="(\d+)"', admin.get("/admin/routing-rules"))
    page = admin.get("/admin/routing-rules")
    bad = "category,area,target_kind,target_level,dept_type,priority,basis\n0401,,area,nowhere,,1,x\n"
    resp = admin.client.post(
        "/admin/routing-rules/import",
        data={
            "csrf_token": Browser.csrf(page),
            "mode": "replace",
            "file": (io.BytesIO(bad.encode("utf-8")), "rules.csv"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "第2行：target_level" in resp.get_data(as_text=True)
    assert re.findall(r'data-rule="(\d+)"', admin.get("/admin/routing-rules")) == before
    csv_text = admin.client.get("/admin/routing-rules.csv").get_data(as_text=True)
    assert csv_text.startswith("category,area,target_kind")


def test_dispatch_form_offers_the_suggestions(sqlite_app):
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    appeal = api.create(category="010201", title="道路坑洼")
    html = Browser(sqlite_app, "dispatcher").get(f"/appeals/{appeal['id']}")
    assert re.findall(r'data-unit="([^"]+)"', html) == ["210102ZJ"]
    assert "民主社区第一网格" in html and "市政道路、井盖由区住建部门养护" in html


def test_a_map_of_too_many_grids_draws_the_areas_above_and_the_grids_in_view(sqlite_app, monkeypatch):
    """A province has tens of thousands of grids: a map asked for all of them gets the areas
    above (and is told it may ask for the grids in view), then the grids meeting the
    window it is zoomed to; a wrong window is named, not a 500."""
    from hotline.grid import maps

    page = Browser(sqlite_app, "operator")
    whole = page.client.get("/map/areas.geojson?level=grid").get_json()
    assert {f["properties"]["level"] for f in whole["features"]} == {"grid"} and "detail" not in whole
    grids = len(whole["features"])
    monkeypatch.setattr(maps, "MAX_FEATURES", grids - 1)  # this city now has one grid too many
    coarse = page.client.get("/map/areas.geojson?level=grid").get_json()
    assert coarse["detail"] == "grid" and {f["properties"]["level"] for f in coarse["features"]} == {"district"}
    near = page.client.get("/map/areas.geojson?level=grid&bbox=123.315,41.875,123.325,41.885").get_json()
    codes = {f["properties"]["code"] for f in near["features"]}
    assert "210102001001001" in codes and 0 < len(codes) < grids  # 民主社区第一网格 and its neighbours only
    bad = page.client.get("/map/areas.geojson?level=grid&bbox=east")
    assert bad.status_code == 400 and "地图参数" in bad.get_data(as_text=True)
