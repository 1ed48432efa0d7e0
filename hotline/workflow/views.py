"""Pages of the workflow's oversight and administration: the dashboard and SLA policies."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from hotline.auth.sessions import login_required
from hotline.clock import now
from hotline.errors import BadRequest, Forbidden
from hotline.workflow import policies
from hotline.workflow.queries import dashboard
from hotline.workflow.sla_defaults import FIELDS

bp = Blueprint("workflow", __name__, template_folder="templates")


@bp.get("/dashboard")
@login_required
def dashboard_page():
    if not (g.user.at_centre or g.user.has_role("supervisor")):
        raise Forbidden("督办看板供热线中心与各级督办员使用")
    total, rows = dashboard(g.user, now())
    return render_template("workflow/dashboard.html", total=total, rows=rows)


@bp.route("/admin/sla-policies", methods=["GET", "POST"])
@login_required
def sla_policies():
    g.user.require_role("admin", refusal=policies.ADMINS_ONLY)
    errors, status, editing = {}, 200, None
    if request.method == "POST":
        editing = (request.form.get("urgency", ""), request.form.get("type", ""))
        data = {f: request.form.get(f, "").strip() for f in FIELDS}
        try:
            policies.update_policy(*editing, data, g.user)
        except BadRequest as exc:
            errors, status = exc.fields, 400
        else:
            flash(f"已保存「{editing[0]}·{editing[1]}」的办理时限", "success")
            return redirect(url_for("workflow.sla_policies"))
    return render_template("workflow/sla_policies.html", rows=policies.list_policies(), fields=FIELDS,
                           errors=errors, editing=editing, values=request.form), status


@bp.post("/admin/sla-policies/reset")
@login_required
def sla_reset():
    policies.reset_defaults(g.user)
    flash("已恢复默认办理时限", "success")
    return redirect(url_for("workflow.sla_policies"))
