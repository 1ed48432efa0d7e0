from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from hotline.core.errors import BadRequest
from hotline.core.extensions import db
from hotline.core.validation import mask_phone
from hotline.notifications import operations, sms
from hotline.notifications.operations import KINDS
from hotline.notifications.sms_defaults import SAMPLE_CONTEXT
from hotline.web.session import local_target, login_required

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_context_processor
def _unread():
    user = g.get("user")
    return {"unread_notifications": operations.unread_count(user) if user else 0}


@bp.get("/notifications")
@login_required
def inbox():
    return render_template("notifications/list.html", items=operations.recent(g.user), kinds=KINDS)


@bp.post("/notifications/read")
@login_required
def read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    operations.mark_read(g.user, ids)
    return redirect(local_target(request.form.get("next"), url_for("notifications.inbox")))


@bp.get("/admin/sms")
@login_required
def sms_log():
    messages = db.session.scalars(sms.sms_log(g.user).limit(200)).all()
    return render_template("notifications/sms_log.html", messages=messages, mask_phone=mask_phone)


@bp.route("/admin/message-templates", methods=["GET", "POST"])
@login_required
def templates():
    errors, status, editing = {}, 200, None
    if request.method == "POST":
        editing = request.form.get("key", "")
        try:
            sms.update_template(editing, request.form.get("body", ""), g.user)
        except BadRequest as exc:
            errors, status = exc.fields, 400
        else:
            flash("已保存短信模板", "success")
            return redirect(url_for("notifications.templates"))
    templates = sms.list_templates(g.user)
    previews = {t.key: sms.preview(t) for t in templates}
    return render_template(
        "notifications/templates.html",
        templates=templates,
        previews=previews,
        errors=errors,
        editing=editing,
        values=request.form,
        variables=SAMPLE_CONTEXT,
    ), status


@bp.post("/admin/message-templates/reset")
@login_required
def templates_reset():
    sms.reset_templates(g.user)
    flash("已恢复默认短信模板", "success")
    return redirect(url_for("notifications.templates"))
