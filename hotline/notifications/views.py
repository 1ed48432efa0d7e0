from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from hotline.auth.sessions import local_target, login_required
from hotline.notifications import operations
from hotline.notifications.operations import KINDS

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
