"""Pages that need a signed-in user (the accounts feature puts them in `g.user`), and safe
redirects back to where they came from."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for

LOGIN_PAGE = "auth.login"


def local_target(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for(LOGIN_PAGE, next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
