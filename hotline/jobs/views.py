from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from hotline.auth.sessions import login_required
from hotline.jobs import outbox
from hotline.jobs.api import ADMINS_ONLY, recent

bp = Blueprint("jobs", __name__, template_folder="templates")


@bp.get("/admin/jobs")
@login_required
def jobs():
    g.user.require_role("admin", refusal=ADMINS_ONLY)
    return render_template("jobs/list.html", failed=recent("failed", 100), pending=recent("pending", 100))


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    g.user.require_role("admin", refusal=ADMINS_ONLY)
    message = outbox.retry(job_id, g.user)
    flash(f"任务 #{job_id} 已重新执行：{message.status}", "success")
    return redirect(url_for("jobs.jobs"))
