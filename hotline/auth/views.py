"""Sign-in and sign-out pages, and the page session of every request."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from hotline.auth.limits import attempt_sign_in
from hotline.auth.operations import sign_out_everywhere
from hotline.auth.sessions import check_csrf, csrf_token, load_page_user, sign_in, sign_out
from hotline.core.errors import TooManyRequests
from hotline.web.session import local_target

bp = Blueprint("auth", __name__, template_folder="templates")
bp.add_app_template_global(csrf_token, "csrf_token")


@bp.before_app_request
def _page_session() -> None:
    """Who is signed in to the pages; every form POST must carry the session's CSRF token."""
    g.user = None
    check_csrf()
    load_page_user()


def _safe_next(target: str | None) -> str:
    return local_target(target, url_for("appeals.appeal_list"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            user = attempt_sign_in(request.form.get("username", "").strip(), request.form.get("password", ""))
        except TooManyRequests as exc:
            error, status, headers = exc.message, exc.status, exc.headers
        else:
            if user is None:
                error, status = "用户名或密码错误", 401
            else:
                sign_in(user)
                return redirect(_safe_next(request.form.get("next")))
    elif g.user is not None:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    if g.user is not None:
        sign_out_everywhere(g.user)
    sign_out()
    return redirect(url_for("auth.login"))
