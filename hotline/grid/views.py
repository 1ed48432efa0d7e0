"""Pages of the grid feature: the responsibility list (those who dispatch, review returns or
cite it read it; administrators edit it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.categories.models import Category
from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.validation import validate
from hotline.core.vocabulary import UNIT_LEVEL_NAMES
from hotline.grid import maps
from hotline.grid import rules as rule_list
from hotline.grid.imports import ImportRejected
from hotline.grid.models import Unit
from hotline.web.forms import filled, query_args
from hotline.web.session import login_required

bp = Blueprint("grid", __name__, template_folder="templates")


def _form_choices() -> dict[str, Any]:
    return {
        "categories": db.session.scalars(select(Category).where(Category.active).order_by(Category.code)).all(),
        "areas": db.session.scalars(
            select(Unit).where(Unit.active, Unit.kind == "area", Unit.level != "grid").order_by(Unit.path)
        ).all(),
        "dept_types": db.session.scalars(
            select(Unit.dept_type).where(Unit.dept_type.is_not(None)).distinct().order_by(Unit.dept_type)
        ).all(),
        "levels": UNIT_LEVEL_NAMES,
    }


def _rule_form() -> dict[str, Any]:
    data: dict[str, Any] = filled("category", "area", "target_kind", "target_level", "dept_type", "priority", "basis")
    data["active"] = request.form.get("active") == "true"
    return data


def _rules_page(problems: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    items = db.session.scalars(rule_list.list_rules(g.user)).all()
    return render_template(
        "grid/rules.html", rules=items, may_edit=rule_list.EDIT_RULES.allows(g.user), problems=problems
    ), status


@bp.get("/admin/routing-rules")
@login_required
def rules() -> ResponseReturnValue:
    return _rules_page()


@bp.route("/admin/routing-rules/new", methods=["GET", "POST"])
@bp.route("/admin/routing-rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def rule_form(rule_id: int | None = None) -> ResponseReturnValue:
    rule_list.EDIT_RULES.require(g.user)  # the form is for editing; reading is the list
    rule = rule_list.get_rule(rule_id) if rule_id else None
    values = rule_list.rule_snapshot(rule) if rule else {"target_kind": "area", "priority": 1, "active": True}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _rule_form()
        try:
            saved = rule_list.update_rule(rule.id, values, g.user) if rule else rule_list.create_rule(values, g.user)
        except BadRequest as exc:
            errors, status = exc.fields or {"body": exc.message}, 400
        else:
            flash(f"已保存：{saved.describe()}", "success")
            return redirect(url_for("grid.rules"))
    return render_template("grid/rule_form.html", rule=rule, values=values, errors=errors, **_form_choices()), status


@bp.post("/admin/routing-rules/<int:rule_id>/delete")
@login_required
def rule_delete(rule_id: int) -> ResponseReturnValue:
    rule_list.delete_rule(rule_id, g.user)
    flash(f"已删除规则#{rule_id}", "success")
    return redirect(url_for("grid.rules"))


@bp.post("/admin/routing-rules/import")
@login_required
def rules_import() -> ResponseReturnValue:
    rule_list.EDIT_RULES.require(g.user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("请选择 CSV 文件")
    try:
        count = rule_list.import_rules_csv(
            upload.read().decode("utf-8-sig"), g.user, replace=request.form.get("mode") != "append"
        )
    except UnicodeDecodeError:
        raise BadRequest("CSV 文件必须是 UTF-8 编码") from None
    except ImportRejected as exc:
        return _rules_page(exc.problems, 400)
    flash(f"已导入 {count} 条确责规则", "success")
    return redirect(url_for("grid.rules"))


@bp.get("/admin/routing-rules.csv")
@login_required
def rules_csv() -> ResponseReturnValue:
    return Response(
        rule_list.export_rules_csv(g.user),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=routing-rules.csv"},
    )


@bp.get("/map/areas.geojson")
@login_required
def map_areas() -> ResponseReturnValue:
    """The polygons every map draws (the page's map script fetches them)."""
    return jsonify(maps.areas(g.user.unit, validate(maps.AreasQuery, query_args(), "地图参数")))


@bp.get("/map/service-area.geojson")
def service_area() -> ResponseReturnValue:
    """The citizen's map of the service area (随手拍): public, the same for everyone."""
    resp = jsonify(maps.service_area())
    resp.cache_control.public = True
    resp.cache_control.max_age = 3600
    return resp
