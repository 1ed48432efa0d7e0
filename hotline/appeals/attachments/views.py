from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from hotline.appeals.attachments import operations
from hotline.core.errors import BadRequest, Conflict, Forbidden
from hotline.web.session import login_required

bp = Blueprint("attachments", __name__, template_folder="templates")


@bp.post("/appeals/<ref>/attachments")
@login_required
def upload(ref):
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise BadRequest("请选择要上传的照片")
        attachment = operations.upload(
            ref, file.read(), request.form.get("kind", ""), g.user, note=request.form.get("note", "").strip() or None
        )
    except (BadRequest, Conflict) as exc:
        flash(exc.message, "error")
    else:
        located = " 已根据照片定位" if attachment.gps_lat is not None else ""
        flash(f"已上传{attachment.kind_label}照片{located}", "success")
    return redirect(url_for("appeals.appeal_detail", ref=ref) + "#photos")


@bp.post("/appeals/<ref>/attachments/<int:attachment_id>/public")
@login_required
def publish(ref, attachment_id: int):
    public = request.form.get("public") == "1"
    try:
        attachment = operations.publish(attachment_id, {"public": public}, g.user)
    except (BadRequest, Conflict, Forbidden) as exc:
        flash(exc.message, "error")
    else:
        done = "已向市民公开" if public else "已撤回公开"
        flash(f"{done}这张{attachment.kind_label}照片", "success")
    return redirect(url_for("appeals.appeal_detail", ref=ref) + "#photos")
