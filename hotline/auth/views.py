"""Sign-in and sign-out pages, the page session of every request, and the accounts pages
(账号管理) for administrators, on the same operations as the users API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.auth import operations
from hotline.auth.limits import attempt_sign_in
from hotline.auth.operations import sign_out_everywhere
from hotline.auth.permissions import MANAGE_ACCOUNTS
from hotline.auth.sessions import check_csrf, csrf_token, load_page_user, sign_in, sign_out
from hotline.core.errors import BadRequest, Conflict, TooManyRequests
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import validate
from hotline.core.vocabulary import ROLES
from hotline.grid.models import Unit
from hotline.web.forms import filled, query_args
from hotline.web.session import local_target, login_required

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


# ---------------------------------------------------------------- 账号管理 (administrators)

ACCOUNTS_PER_PAGE = 30


def _account_form() -> dict[str, Any]:
    """The account form as the operations take it: the unit by its code, roles ticked."""
    data: dict[str, Any] = filled("username", "display_name", "password")
    code = request.form.get("unit", "").strip()
    if code:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == code))
        data["unit_id"] = unit_id if unit_id is not None else 0  # 0 names no unit: 400 below
    roles = request.form.getlist("roles")
    if roles or request.form.get("roles_sent"):
        data["roles"] = roles
    if request.form.get("active_sent"):
        data["active"] = request.form.get("active") == "true"
    return data


def _form_errors(exc: BadRequest) -> dict[str, str]:
    fields = dict(exc.fields or {"body": exc.message})
    if "unit_id" in fields:
        fields["unit"] = "没有这个单位" if fields["unit_id"] != "必填" else "必填"
    return fields


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def accounts() -> ResponseReturnValue:
    MANAGE_ACCOUNTS.require(g.user)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            created = operations.create_user(_account_form(), g.user)
        except (BadRequest, Conflict) as exc:
            errors, status = _form_errors(exc) if isinstance(exc, BadRequest) else {"username": exc.message}, exc.status
        else:
            flash(f"已新建账号 {created.username}（{created.display_name}）", "success")
            return redirect(url_for("auth.account", user_id=created.id))
    args = query_args()
    unit = db.session.scalar(select(Unit).where(Unit.code == args["unit"])) if args.get("unit") else None
    role = args.get("role") if args.get("role") in ROLES else None
    active = {"true": True, "false": False}.get(args.get("active", ""))
    stmt = operations.users_query(g.user, unit_id=unit.id if unit else None, role=role, q=args.get("q"), active=active)
    listed = validate(PageQuery, {"page": args.get("page", "1"), "per_page": ACCOUNTS_PER_PAGE}, "分页参数")
    users, page = paginate(stmt, listed)
    return render_template(
        "auth/accounts.html",
        users=users,
        page=page,
        args=args,
        keep={k: v for k, v in args.items() if k != "page"},
        unknown_unit=bool(args.get("unit")) and unit is None,
        errors=errors,
        values=request.form if request.method == "POST" else {},
        chosen_roles=request.form.getlist("roles") if request.method == "POST" else [],
    ), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def account(user_id: int) -> ResponseReturnValue:
    user = operations.get_user(user_id, g.user)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = _account_form()
        try:
            if request.form.get("do") == "password":
                operations.set_password(user_id, {"password": request.form.get("password", "")}, g.user)
                message = "已重置密码，该账号须用新密码重新登录"
            else:
                form.pop("password", None)
                operations.update_user(user_id, form, g.user)
                message = "已保存"
        except BadRequest as exc:
            errors, status = _form_errors(exc), 400
        except Conflict as exc:
            errors, status = {"body": exc.message}, 409
        else:
            flash(message, "success")
            return redirect(url_for("auth.account", user_id=user_id))
    return render_template("auth/account.html", account=user, errors=errors, roles=ROLES), status
