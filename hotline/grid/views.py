"""Pages of the grid feature: the responsibility list (everyone reads it; admins edit it)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth.sessions import login_required
from hotline.errors import BadRequest
from hotline.extensions import db
from hotline.grid import operations
from hotline.grid.models import ResponsibilityRule, Unit
from hotline.models import Category
from hotline.vocabulary import UNIT_LEVEL_NAMES

bp = Blueprint("grid", __name__, template_folder="templates")




def _form_choices() -> dict:
    return {
        "categories": db.session.scalars(select(Category).where(Category.active).order_by(Category.code)).all(),
        "areas": db.session.scalars(select(Unit).where(Unit.active, Unit.kind == "area",
                                                       Unit.level != "grid").order_by(Unit.path)).all(),
        "dept_types": db.session.scalars(select(Unit.dept_type).where(Unit.dept_type.is_not(None))
                                         .distinct().order_by(Unit.dept_type)).all(),
        "levels": UNIT_LEVEL_NAMES,
    }


def _rule_form() -> dict:
    data = {k: request.form[k].strip() for k in ("category", "area", "target_kind", "target_level", "dept_type",
                                                 "priority", "basis") if request.form.get(k, "").strip()}
    data["active"] = request.form.get("active") == "true"
    return data


@bp.get("/admin/routing-rules")
@login_required
def rules():
    items = db.session.scalars(select(ResponsibilityRule).order_by(ResponsibilityRule.id)).all()
    return render_template("grid/rules.html", rules=items, may_edit=g.user.has_role("admin"))


@bp.route("/admin/routing-rules/new", methods=["GET", "POST"])
@bp.route("/admin/routing-rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def rule_form(rule_id: int | None = None):
    g.user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    rule = operations.get_rule(rule_id) if rule_id else None
    values = operations.rule_snapshot(rule) if rule else {"target_kind": "area", "priority": 1, "active": True}
    errors, status = {}, 200
    if request.method == "POST":
        values = _rule_form()
        try:
            saved = (operations.update_rule(rule_id, values, g.user) if rule
                     else operations.create_rule(values, g.user))
        except BadRequest as exc:
            errors, status = exc.fields or {"body": exc.message}, 400
        else:
            flash(f"已保存：{saved.describe()}", "success")
            return redirect(url_for("grid.rules"))
    return render_template("grid/rule_form.html", rule=rule, values=values, errors=errors,
                           **_form_choices()), status


@bp.post("/admin/routing-rules/<int:rule_id>/delete")
@login_required
def rule_delete(rule_id: int):
    g.user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    operations.delete_rule(rule_id, g.user)
    flash(f"已删除规则#{rule_id}", "success")
    return redirect(url_for("grid.rules"))


@bp.post("/admin/routing-rules/import")
@login_required
def rules_import():
    g.user.require_role("admin", refusal=operations.RULES_ADMINS_ONLY)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("请选择 CSV 文件")
    try:
        count = operations.import_rules_csv(upload.read().decode("utf-8-sig"), g.user,
                                            replace=request.form.get("mode") != "append")
    except UnicodeDecodeError:
        raise BadRequest("CSV 文件必须是 UTF-8 编码") from None
    except operations.ImportRejected as exc:
        items = db.session.scalars(select(ResponsibilityRule).order_by(ResponsibilityRule.id)).all()
        return render_template("grid/rules.html", rules=items, may_edit=True, problems=exc.problems), 400
    flash(f"已导入 {count} 条确责规则", "success")
    return redirect(url_for("grid.rules"))


@bp.get("/admin/routing-rules.csv")
@login_required
def rules_csv():
    return Response(operations.export_rules_csv(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=routing-rules.csv"})
