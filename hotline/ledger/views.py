"""The ledger pages for supervisors: campaigns, progress, enrolment, items, export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from hotline.core.clock import local_today
from hotline.core.errors import AppError, BadRequest
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import validate
from hotline.ledger import operations as ledger
from hotline.ledger.export import XLSX, export_xlsx
from hotline.ledger.progress import (
    by_level,
    by_unit,
    is_closed,
    items_query,
    overdue_items,
    progress,
    total_of,
    trend,
)
from hotline.web.forms import filled
from hotline.web.session import login_required

bp = Blueprint("ledger", __name__, template_folder="templates")


@bp.route("/ledger", methods=["GET", "POST"])
@login_required
def campaigns():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = filled("name", "batch", "period_start", "period_end", "owner", "note")
        try:
            campaign = ledger.create_campaign(values, g.user)
        except BadRequest as exc:
            errors, status = exc.fields or {"body": exc.message}, 400
        else:
            flash(f"已建立台账「{campaign.name}（{campaign.batch}）」", "success")
            return redirect(url_for("ledger.campaign", campaign_id=campaign.id))
    return _list(errors, values, status)


def _list(errors: dict, values: dict, status: int, topic_error: str | None = None):
    rows = [(c, progress(c, g.user)) for c in ledger.list_campaigns(g.user)]
    try:
        query, month_error = validate(ledger.FrequentQuery, {"month": request.args.get("month") or None}, "月份"), None
    except BadRequest as exc:
        query, month_error = ledger.FrequentQuery(), exc.message
    return render_template(
        "ledger/list.html",
        rows=rows,
        may_manage=ledger.MANAGE_LEDGERS.allows(g.user),
        errors=errors,
        values=values,
        frequent=ledger.frequent_problems(g.user, query),
        this_month=local_today().replace(day=1),
        topic_error=topic_error or month_error,
    ), (400 if month_error and status == 200 else status)


@bp.post("/ledger/monthly-topic")
@login_required
def monthly_topic():
    try:
        campaign = ledger.monthly_topic(filled("category", "month", "owner", "leader"), g.user)
    except AppError as exc:
        if exc.status not in (400, 409):
            raise
        return _list({}, {}, exc.status, topic_error=exc.message)
    flash(f"已选定每月一题「{campaign.batch}」，纳入 {len(campaign.items)} 件", "success")
    return redirect(url_for("ledger.campaign", campaign_id=campaign.id))


# The page lists this many items (and overdue items) at a time: a 万件清理 campaign holds
# tens of thousands, and the page rendered every one of them.
PAGE_SIZE = 50


def _render(campaign, *, errors=None, values=None, status=200):
    day = local_today()
    units = by_unit(campaign, g.user, day)
    listed = validate(PageQuery, {"page": request.args.get("page", "1"), "per_page": PAGE_SIZE}, "查询参数")
    progress = total_of(units)  # counts the items the page lists, too
    page_items, page = paginate(items_query(campaign, g.user), listed, total=progress.total)
    return render_template(
        "ledger/campaign.html",
        campaign=campaign,
        day=day,
        progress=progress,
        by_unit=units,
        by_level=by_level(units),
        overdue=overdue_items(campaign, g.user, day, limit=PAGE_SIZE),
        items=page_items,
        page=page,
        trend=trend(campaign),
        rules=ledger.RULES,
        may_manage=ledger.MANAGE_LEDGERS.allows(g.user),
        is_closed=is_closed,
        errors=errors or {},
        values=values or {},
    ), status


@bp.get("/ledger/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    return _render(ledger.get_campaign(campaign_id, g.user))


@bp.post("/ledger/<int:campaign_id>/enroll")
@login_required
def enroll(campaign_id: int):
    values: dict[str, str | list[str]] = {**filled("rule", "days", "callers", "leader", "target_date")}
    numbers = request.form.get("numbers", "").split()
    if numbers:  # by number, instead of by rule
        values = {k: v for k, v in values.items() if k not in ("rule", "days", "callers")} | {"numbers": numbers}
    try:
        added = ledger.enroll(campaign_id, values, g.user)
    except BadRequest as exc:
        return _render(ledger.get_campaign(campaign_id, g.user), errors=exc.fields, values=request.form, status=400)
    flash(f"已纳入 {added} 件（已在台账中的不重复纳入）", "success")
    return redirect(url_for("ledger.campaign", campaign_id=campaign_id))


@bp.post("/ledger/<int:campaign_id>/items/<int:item_id>")
@login_required
def item(campaign_id: int, item_id: int):
    try:
        ledger.update_item(campaign_id, item_id, filled("leader", "target_date", "note"), g.user)
    except BadRequest as exc:
        flash(exc.message, "error")
    return redirect(url_for("ledger.campaign", campaign_id=campaign_id) + f"#item-{item_id}")


@bp.get("/ledger/<int:campaign_id>.xlsx")
@login_required
def export(campaign_id: int):
    c = ledger.get_campaign(campaign_id, g.user)
    return Response(
        export_xlsx(c, g.user),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=ledger-{c.id}.xlsx"},
    )
