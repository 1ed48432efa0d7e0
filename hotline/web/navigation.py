"""The header's navigation, built from one list of entries: each names its page, its label
and the permission its page requires, so a link is shown exactly to those it would open for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, g, url_for

from hotline.core.permissions import Actor, Permission


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str
    permission: Permission
    # Query arguments of the link, for the user at hand (本单位待办 is the user's own unit).
    args: Callable[[Actor], dict[str, Any]] = field(default=lambda user: {})

    def url(self, user: Actor) -> str:
        return url_for(self.endpoint, **self.args(user))


def links_for(entries: Sequence[NavEntry], user: Actor | None) -> list[tuple[str, str]]:
    """(url, label) of every entry this user may open."""
    if user is None:
        return []
    return [(e.url(user), e.label) for e in entries if e.permission.allows(user)]


def install(app: Flask, entries: Sequence[NavEntry]) -> None:
    @app.context_processor
    def _navigation() -> dict[str, Any]:
        return {"navigation": links_for(entries, g.get("user"))}
