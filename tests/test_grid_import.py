"""`flask --app wsgi grid import|export`: all or nothing, every rejected feature named with
its reason; exports read back unchanged; routing follows an import at once."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from hotline.core.audit import AuditEntry
from hotline.core.extensions import db
from hotline.core.revisions import current
from hotline.demo.reference import rectangle
from hotline.grid.geo import placement
from hotline.grid.models import Unit


def feature(code, name, level, parent_code, geometry, **props):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code, **props},
    }


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return str(path)


# A new district east of the demo ones: 大东区 with one street, one community, two grids.
NEW_UNITS_CSV = """code,name,level,parent_code,kind,dept_type
210104,大东区,district,210100,area,
210104CG,大东区城市管理局,district,210104,department,城管
210104001,大东街道,street,210104,area,
210104001001,东站社区,community,210104001,area,
"""
NEW_GRIDS = {
    "type": "FeatureCollection",
    "features": [
        feature("210104", "大东区", "district", "210100", rectangle(123.50, 41.70, 123.60, 41.90)),
        feature("210104001001001", "东站社区第一网格", "grid", "210104001001", rectangle(123.50, 41.80, 123.60, 41.90)),
        feature("210104001001002", "东站社区第二网格", "grid", "210104001001", rectangle(123.50, 41.70, 123.60, 41.80)),
    ],
}


def test_import_tree_and_polygons_then_route_into_them(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    with sqlite_app.app_context():
        assert placement(123.55, 41.85).unit_id is None  # not ours yet
        before = current("grid")
    result = runner.invoke(
        args=[
            "grid",
            "import",
            write(tmp_path, "units.csv", NEW_UNITS_CSV),
            write(tmp_path, "grids.geojson", NEW_GRIDS),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output
    with sqlite_app.app_context():
        assert current("grid") != before
        grid = db.session.scalar(select(Unit).where(Unit.code == "210104001001001"))
        assert grid.path == "/210000/210100/210104/210104001/210104001001/210104001001001/"
        assert placement(123.55, 41.85).grid_id == grid.id  # the index rebuilt itself
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "units")).one()
        assert entry.action == "import" and "210104001001001" in entry.data["created"]


def test_export_reads_back_unchanged(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    geo, tree = str(tmp_path / "grids.geojson"), str(tmp_path / "units.csv")
    assert runner.invoke(args=["grid", "export", geo]).exit_code == 0
    assert runner.invoke(args=["grid", "export", tree]).exit_code == 0
    exported = json.loads((tmp_path / "grids.geojson").read_text(encoding="utf-8"))
    assert len(exported["features"]) == 20
    assert exported["features"][0]["properties"]["parent_code"] == "210102001001"
    assert (
        (tmp_path / "units.csv").read_text(encoding="utf-8").startswith("code,name,level,parent_code,kind,dept_type\n")
    )
    result = runner.invoke(args=["grid", "import", tree, geo])
    assert result.exit_code == 0 and "0 created" in result.output, result.output
    assert runner.invoke(args=["grid", "export", str(tmp_path / "again.geojson")]).exit_code == 0
    assert json.loads((tmp_path / "again.geojson").read_text(encoding="utf-8")) == exported


def test_every_bad_feature_is_named_and_nothing_is_written(sqlite_app, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[123.51, 41.71], [123.52, 41.72], [123.52, 41.71], [123.51, 41.72], [123.51, 41.71]]],
    }
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature("210104", "大东区", "district", "210100", rectangle(123.50, 41.70, 123.60, 41.90)),
            feature("210104001", "大东街道", "street", "210104", None),
            feature("210104001001", "东站社区", "community", "210104001", None),
            feature("G-BOWTIE", "自相交网格", "grid", "210104001001", bowtie),
            feature("G-ORPHAN", "无上级网格", "grid", "999999999999", rectangle(123.52, 41.72, 123.53, 41.73)),
            feature("G-OUTSIDE", "越界网格", "grid", "210104001001", rectangle(123.58, 41.80, 123.65, 41.85)),
            feature("G-OVERLAP", "重叠网格", "grid", "210102001001", rectangle(123.31, 41.87, 123.32, 41.88)),
            feature("G-LEVEL", "层级不对", "grid", "210104001", rectangle(123.54, 41.72, 123.55, 41.73)),
            feature("G-POINT", "点要素", "grid", "210104001001", {"type": "Point", "coordinates": [123.55, 41.75]}),
            feature("G-LATLON", "经纬颠倒", "grid", "210104001001", rectangle(41.70, 123.50, 41.71, 123.51)),
            feature("210104001001", "重复编码", "community", "210104001", None),
            {"type": "Feature", "geometry": None, "properties": {"name": "没有编码"}},
        ],
    }
    with sqlite_app.app_context():
        units_before = db.session.scalar(select(func.count()).select_from(Unit))
        revision_before = current("grid")
    result = sqlite_app.test_cli_runner().invoke(args=["grid", "import", write(tmp_path, "bad.geojson", bad)])
    assert result.exit_code == 1
    out = result.output
    assert "未写入任何数据" in out
    expected = {
        "G-BOWTIE": "几何无效：Self-intersection",
        "G-ORPHAN": "上级「999999999999」不存在",
        "G-LEVEL": "不衔接",
        "G-POINT": "几何类型必须是 Polygon 或 MultiPolygon",
        "G-LATLON": "超出 WGS84",
        "第11个要素（210104001001）": "编码重复",
        "第12个要素（无编码）": "缺少属性 code, level",
    }
    for who, why in expected.items():
        line = next((ln for ln in out.splitlines() if who in ln), "")
        assert why in line, (who, out)
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == units_before
        assert current("grid") == revision_before


def test_outside_and_overlap_are_checked_once_the_tree_is_sound(sqlite_app, tmp_path):
    problems = {
        "type": "FeatureCollection",
        "features": [
            feature("210104", "大东区", "district", "210100", rectangle(123.50, 41.70, 123.60, 41.90)),
            feature("210104001", "大东街道", "street", "210104", None),
            feature("210104001001", "东站社区", "community", "210104001", None),
            feature("G-OUTSIDE", "越界网格", "grid", "210104001001", rectangle(123.58, 41.80, 123.65, 41.85)),
            feature("G-OVERLAP", "重叠网格", "grid", "210102001001", rectangle(123.31, 41.87, 123.32, 41.88)),
            feature("G-NEIGHBOUR", "相邻网格", "grid", "210104001001", rectangle(123.50, 41.70, 123.55, 41.75)),
            feature("G-NEIGHBOUR2", "相邻网格二", "grid", "210104001001", rectangle(123.55, 41.70, 123.58, 41.75)),
        ],
    }
    result = sqlite_app.test_cli_runner().invoke(args=["grid", "import", write(tmp_path, "p.geojson", problems)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("G-OUTSIDE" in ln and "超出上级「210104」的范围" in ln for ln in lines), result.output
    assert any("G-OVERLAP" in ln and "重叠" in ln for ln in lines), result.output
    assert not any("G-NEIGHBOUR" in ln for ln in lines)  # sharing an edge is fine


def test_csv_needs_its_columns(sqlite_app, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(args=["grid", "import", write(tmp_path, "u.csv", "code,name\n1,x\n")])
    assert result.exit_code == 1 and "CSV 缺少列：level, parent_code" in result.output
