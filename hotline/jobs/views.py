from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from hotline.auth.sessions import login_required
from hotline.errors import Forbidden
from hotline.jobs import outbox
from hotline.jobs.api import recent

bp = Blueprint("jobs", __name__, template_folder="templates")


def _admin() -> None:
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以查看和重试后台任务")


@bp.get("/admin/jobs")
@login_required
def jobs():
    _admin()
    return render_template("jobs/list.html", failed=recent("failed", 100), pending=recent("pending", 100))


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    _admin()
    message = outbox.retry(job_id, g.user)
    flash(f"任务 #{job_id} 已重新执行：{message.status}", "success")
    return redirect(url_for("jobs.jobs"))
