"""Blueprints (pages, JSON API), error rendering and template helpers."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hotline.attachments.models import KINDS as ATTACHMENT_KINDS
from hotline.auth.sessions import check_csrf, csrf_token, load_page_user
from hotline.clock import format_local
from hotline.errors import AppError
from hotline.vocabulary import CARD_LEVELS, ROLES, UNIT_LEVEL_NAMES
from hotline.workflow.deadlines import SLA_LABELS
from hotline.workflow.machine import ACTIONS, EVENT_LABELS, STATES

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def _error_response(status: int, code: str, message: str, payload: dict | None = None):
    if request.path.startswith(OPEN311_PREFIX):
        from hotline.open311.views import error_response

        return error_response(status, message)
    if _wants_json():
        body = payload or {"error": {"code": code, "message": message, "fields": {}}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register_web(app: Flask) -> None:
    from hotline.attachments.views import bp as attachments_bp
    from hotline.auth.views import bp as auth_bp
    from hotline.calendar.views import bp as calendar_bp
    from hotline.grid.views import bp as grid_bp
    from hotline.jobs.views import bp as jobs_bp
    from hotline.ledger.views import bp as ledger_bp
    from hotline.metrics.views import bp as metrics_bp
    from hotline.notifications.views import bp as notifications_bp
    from hotline.open311.views import bp as open311_bp
    from hotline.reports.views import bp as reports_bp
    from hotline.workflow.views import bp as workflow_bp
    from hotline.web.api import bp as api_bp
    from hotline.web.pages import bp as pages_bp

    @app.before_request
    def _page_session():
        g.user = None
        if not request.path.startswith((API_PREFIX, OPEN311_PREFIX)):  # those use keys, not cookies
            check_csrf()
        load_page_user()

    app.register_blueprint(auth_bp)
    app.register_blueprint(pages_bp)
    for feature in (grid_bp, calendar_bp, ledger_bp, metrics_bp, notifications_bp, workflow_bp, attachments_bp,
                    jobs_bp, reports_bp):
        app.register_blueprint(feature)
    app.register_blueprint(api_bp)
    app.register_blueprint(open311_bp)

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        return _error_response(exc.status, exc.code, exc.message, exc.to_dict())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        messages = {404: "页面或资源不存在", 405: "不支持该请求方法", 413: "上传内容过大"}
        message = exc.description if exc.code == 400 else messages.get(exc.code, exc.name)
        return _error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), message)

    app.jinja_env.globals.update(
        csrf_token=csrf_token, STATES=STATES, ACTIONS=ACTIONS, EVENT_LABELS=EVENT_LABELS,
        SLA_LABELS=SLA_LABELS, ROLES=ROLES, UNIT_LEVEL_NAMES=UNIT_LEVEL_NAMES, CARD_LEVELS=CARD_LEVELS,
        ATTACHMENT_KINDS=ATTACHMENT_KINDS,
    )
    app.jinja_env.filters["localtime"] = format_local
