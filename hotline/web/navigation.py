"""The header's navigation, built from one list of entries: each names its page, its label
and the permission its page requires, so a link is shown exactly to those it would open for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, url_for

from hotline.core.permissions import Actor, Permission


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str
    permission: Permission


def links_for(entries: Sequence[NavEntry], user: Actor | None) -> list[tuple[str, str]]:
    """(url, label) of every entry this user may open."""
    if user is None:
        return []
    return [(url_for(e.endpoint), e.label) for e in entries if e.permission.allows(user)]


def install(app: Flask, entries: Sequence[NavEntry]) -> None:
    @app.context_processor
    def _navigation() -> dict[str, Any]:
        return {"navigation": links_for(entries, g.get("user"))}
