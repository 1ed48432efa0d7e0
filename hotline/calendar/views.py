"""The calendar administration page: a month of working days, and the local overrides."""

from __future__ import annotations

import calendar as monthcal
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from hotline.calendar import service
from hotline.core.clock import local_today
from hotline.core.errors import BadRequest
from hotline.web.session import login_required

bp = Blueprint("calendar", __name__, template_folder="templates")


def _month(text: str | None) -> date:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return local_today().replace(day=1)


@bp.route("/admin/calendar", methods=["GET", "POST"])
@login_required
def admin():
    service.VIEW_CALENDAR.require(g.user)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.form.get("day", ""))
        except ValueError:
            errors, status = {"day": "日期格式应为 YYYY-MM-DD"}, 400
        else:
            try:
                service.set_override(
                    day,
                    {"working": request.form.get("working"), "reason": request.form.get("reason", "").strip()},
                    g.user,
                )
            except BadRequest as exc:
                errors, status = exc.fields, 400
            else:
                flash(f"已设置 {day.isoformat()}", "success")
                return redirect(url_for("calendar.admin", month=day.strftime("%Y-%m")))
    first = _month(request.args.get("month"))
    cal = service.current_calendar()
    weeks = [
        [(d, *cal.describe(d)) if d.month == first.month else None for d in week]
        for week in monthcal.Calendar().monthdatescalendar(first.year, first.month)
    ]
    prev_month = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    next_month = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return render_template(
        "calendar/admin.html",
        weeks=weeks,
        first=first,
        prev_month=prev_month,
        next_month=next_month,
        overrides=service.list_overrides(),
        errors=errors,
        values=request.form,
        may_edit=service.EDIT_CALENDAR.allows(g.user),
    ), status


@bp.post("/admin/calendar/<day>/remove")
@login_required
def remove(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise BadRequest("日期格式应为 YYYY-MM-DD") from None
    service.remove_override(parsed, g.user)
    flash(f"已取消 {day} 的本地设置", "success")
    return redirect(url_for("calendar.admin", month=parsed.strftime("%Y-%m")))
