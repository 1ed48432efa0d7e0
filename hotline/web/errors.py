"""Errors rendered for whoever asked: JSON for the API, an error page for pages, and a
feature's own format under a prefix it claims (Open311 answers in its spec's format)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from hotline.core.errors import AppError
from hotline.web.api import API_PATHS

Renderer = Callable[[int, str], ResponseReturnValue]
# Path prefix -> how errors under it are answered (registered by features).
_renderers: dict[str, Renderer] = {}


def render_errors_under(prefix: str, renderer: Renderer) -> None:
    _renderers[prefix] = renderer


def error_response(status: int, code: str, message: str, payload: dict | None = None) -> ResponseReturnValue:
    for prefix, renderer in _renderers.items():
        if request.path.startswith(prefix):
            return renderer(status, message)
    if request.path.startswith(API_PATHS):
        body = payload or {"error": {"code": code, "message": message, "fields": {}}}
        return jsonify(body), status
    # An error page leaves the flashes to the page they were meant for: a browser asking for a
    # missing icon beside the page after a redirect must not take "已受理" from it.
    return render_template("error.html", status=status, message=message, keep_flashes=True), status


MESSAGES = {404: "页面或资源不存在", 405: "不支持该请求方法", 413: "上传内容过大"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> ResponseReturnValue:
        response = make_response(error_response(exc.status, exc.code, exc.message, exc.to_dict()))
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        message = (exc.description or "") if status == 400 else MESSAGES.get(status, exc.name)
        return error_response(status, exc.name.lower().replace(" ", "_"), message)
