"""The administrators' page of the outbox: failed and waiting side effects, and retrying one."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from hotline.outbox import operations as outbox
from hotline.web.session import login_required

bp = Blueprint("outbox", __name__, template_folder="templates")


@bp.get("/admin/jobs")
@login_required
def jobs() -> ResponseReturnValue:
    return render_template(
        "outbox/list.html", failed=outbox.recent(g.user, "failed", 100), pending=outbox.recent(g.user, "pending", 100)
    )


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int) -> ResponseReturnValue:
    message = outbox.retry(job_id, g.user)
    flash(f"任务 #{job_id} 已重新执行：{message.status}", "success")
    return redirect(url_for("outbox.jobs"))
