"""The assessment page for supervisors."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from hotline.core.errors import BadRequest
from hotline.core.validation import validate
from hotline.metrics import operations
from hotline.metrics.operations import MetricsQuery
from hotline.web.session import login_required

bp = Blueprint("metrics", __name__, template_folder="templates")


@bp.get("/metrics")
@login_required
def assessment():
    error, status = None, 200
    try:
        query = validate(MetricsQuery, {k: v for k, v in request.args.items() if v.strip()}, "筛选条件")
    except BadRequest as exc:
        query, error, status = MetricsQuery(), exc.message, 400
    start, end, scores = operations.assess(g.user, query)
    return render_template(
        "metrics/assessment.html", start=start, end=end, scores=scores, query=query, error=error
    ), status
