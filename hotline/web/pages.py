"""What every page template may use: the shared vocabulary, local times, and the panels
features add to each other's pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from hotline.core.clock import format_local
from hotline.core.vocabulary import CARD_LEVELS, ROLES, UNIT_LEVEL_NAMES


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(ROLES=ROLES, UNIT_LEVEL_NAMES=UNIT_LEVEL_NAMES, CARD_LEVELS=CARD_LEVELS)
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals["panels"] = panels


# A panel is a feature's fragment shown on another feature's page (the hot spots on the
# supervisors' dashboard), so that the page's feature need not import the other: the app
# factory adds them. Each renders for the signed-in user, or returns "" to show nothing.
Panel = Callable[[], str]


def add_panel(app: Flask, page: str, render: Panel) -> None:
    app.extensions.setdefault("hotline.panels", {}).setdefault(page, []).append(render)


def panels(page: str) -> Markup:
    """Every panel added to `page`, rendered."""
    return Markup("").join(
        Markup(render()) for render in current_app.extensions.get("hotline.panels", {}).get(page, [])
    )
