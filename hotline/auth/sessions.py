"""Who is signed in to the pages, and CSRF protection of their forms."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from flask import abort, current_app, g, request, session
from sqlalchemy import ColumnElement, Select, bindparam, select

from hotline.auth.models import User
from hotline.core import revisions
from hotline.web.api import API_PATHS


def _user_statement(tokens: ColumnElement[Any]) -> Select:
    """The session's user, with the revision `tokens` the request's caches will ask for."""
    return select(User, tokens).where(User.id == bindparam("user_id"))


def load_page_user() -> None:
    """The signed-in user, if the session is still good: of the user's current epoch (no
    sign-out, new password, deactivation or change of roles since), younger than the
    absolute limit and used within the idle limit."""
    g.user = None
    user_id = session.get("user_id")
    if not user_id:
        return
    user = revisions.first_with_tokens(_user_statement, {"user_id": user_id})
    at = time.time()
    config = current_app.config
    if (
        user is None
        or not user.active
        or session.get("epoch") != user.session_epoch
        or at - session.get("signed_in_at", 0) > config["HOTLINE_SESSION_MAX_HOURS"] * 3600
        or at - session.get("seen_at", 0) > config["HOTLINE_SESSION_IDLE_MINUTES"] * 60
    ):
        session.clear()
        return
    if at - session["seen_at"] > 60 and _navigating():  # once a minute, not on every request
        session["seen_at"] = at
    g.user = user


def _navigating() -> bool:
    """Whether the browser is loading a page or posting a form, not fetching in the background.

    The session is one cookie, rewritten whole by every response that changes it: a panel's
    fetch answered just after a form's redirect would put back the cookie from before the
    form, and with it lose the form's flash ("已受理，工单编号…"). So only navigations start the
    idle clock again: no page is used for the idle limit (hours) without loading another.
    Requests without Sec-Fetch-Mode (older browsers, plain http to a host not local) count."""
    return request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"


def sign_in(user: User) -> None:
    session.clear()
    at = time.time()
    session.update(user_id=user.id, epoch=user.session_epoch, signed_in_at=at, seen_at=at)
    session.permanent = True


def sign_out() -> None:
    session.clear()


def csrf_token() -> str:
    token = session.get("csrf")
    if token is None:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


# Paths whose clients authenticate with keys, not the page session's cookie (so a forged
# cross-site form carries nothing they accept): the JSON API, and others a feature adds.
_KEYED_PREFIXES: list[str] = [API_PATHS]


def keyed_paths(prefix: str) -> None:
    """Exempt `prefix` from the CSRF check: its clients send a key with every request."""
    if prefix not in _KEYED_PREFIXES:
        _KEYED_PREFIXES.append(prefix)


def check_csrf() -> None:
    """Every form POST must carry the session's token."""
    if request.method != "POST" or request.path.startswith(tuple(_KEYED_PREFIXES)):
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="表单已过期，请刷新页面后重试")
