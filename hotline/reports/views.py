"""The citizen's pages: file a 随手拍 report with photos and a location, and follow it.
No account: the receipt (工单编号 + 查询码) is the key."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.appeals.actions.review import RatingBody
from hotline.appeals.attachments import storage
from hotline.categories.models import Category
from hotline.core.errors import AppError, BadRequest, Conflict, NotFound, TooManyRequests
from hotline.core.extensions import db
from hotline.core.vocabulary import APPEAL_TYPES, RESOLUTIONS, SATISFACTIONS
from hotline.reports import limits, operations
from hotline.reports.operations import MAX_PHOTOS, ReportCreate
from hotline.reports.presenters import ReportStatus
from hotline.web.forms import form_data

bp = Blueprint(
    "reports", __name__, template_folder="templates", static_folder="static", static_url_path="/static/reports"
)


@bp.route("/report", methods=["GET", "POST"])
def new_report():
    errors, values, status, headers = {}, {}, 200, {}
    if request.method == "POST":
        values = form_data(ReportCreate)
        uploads = [f for f in request.files.getlist("photos") if f and f.filename]
        try:
            limits.before_report(values, len(uploads))
            appeal = operations.submit_with_photos(values, [f.read() for f in uploads])
        except AppError as exc:
            errors, status, headers = exc.fields or {"body": exc.message}, exc.status, exc.headers
        else:
            flash(
                f"已受理。工单编号 {appeal.number}，查询码 {appeal.query_code}，请妥善保存（也已短信发送给您）。",
                "success",
            )
            receipt = url_for("reports.track_page", number=appeal.number, query_code=appeal.query_code)
            if request.headers.get("X-Hotline-Form") == "fetch":  # report.js goes there itself
                return jsonify(redirect=receipt)
            return redirect(receipt)
    categories = db.session.scalars(
        select(Category).where(Category.active, Category.level == Category.LEAF_LEVEL).order_by(Category.code)
    ).all()
    return (
        render_template(
            "reports/new.html",
            values=values,
            errors=errors,
            categories=categories,
            types=APPEAL_TYPES,
            max_photos=MAX_PHOTOS,
        ),
        status,
        headers,
    )


@bp.get("/track")
def track_page():
    number = request.args.get("number", "").strip()
    code = request.args.get("query_code", "").strip()
    report, error, status, headers = None, None, 200, {}
    photos: list = []
    site: list = []
    if number or code:
        try:
            with limits.tracking(number):
                appeal = operations.track(number, code)
                report = ReportStatus.of(appeal)  # what the tracking API tells, too
                photos = operations.own_photos(appeal)
                site = operations.site_photos(appeal)
        except (NotFound, TooManyRequests) as exc:
            error, status, headers = exc.message, exc.status, exc.headers
    page = _track_page(number, code, report=report, error=error, photos=photos, site_photos=site)
    return page, status, headers


@bp.get("/track/photos/<int:photo_id>")
def shown_photo(photo_id: int):
    """A photo of the tracking page (the citizen's own, or a public 办理前/办理后 one), to the
    holder of the receipt."""
    number, code = request.args.get("number", "").strip(), request.args.get("query_code", "").strip()
    with limits.tracking(number):
        photo = operations.shown_photo(number, code, photo_id)
    return storage.send(photo, thumbnail=request.args.get("size") == "thumb" and photo.thumbnail_key is not None)


@bp.post("/track/rating")
def rate_page():
    """好差评 from the tracking page (or the SMS link to it); back to the page once rated."""
    number, code = request.form.get("number", "").strip(), request.form.get("query_code", "").strip()
    values = form_data(RatingBody)
    try:
        with limits.tracking(number):
            operations.rate(number, code, values)
    except (NotFound, TooManyRequests) as exc:
        return _track_page(number, code, error=exc.message), exc.status, exc.headers
    except (BadRequest, Conflict) as exc:  # the number and code were right: the form again, with what was wrong
        report = ReportStatus.of(operations.track(number, code))
        return _track_page(number, code, report=report, values=values, rating_error=exc), exc.status
    flash("感谢您的评价！", "success")
    return redirect(url_for("reports.track_page", number=number, query_code=code))


def _track_page(
    number: str,
    code: str,
    *,
    report: ReportStatus | None = None,
    error: str | None = None,
    values: dict | None = None,
    rating_error: AppError | None = None,
    photos: list | None = None,
    site_photos: list | None = None,
) -> str:
    return render_template(
        "reports/track.html",
        report=report,
        photos=photos or [],
        site_photos=site_photos or [],
        number=number,
        query_code=code,
        error=error,
        values=values or {},
        errors=(rating_error.fields or {}) if rating_error else {},
        rating_message=rating_error.message if rating_error else None,
        satisfactions=[(s, s) for s in SATISFACTIONS],
        resolutions=[(r, r) for r in RESOLUTIONS],
    )
