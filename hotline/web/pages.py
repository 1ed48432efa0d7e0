"""What every page template may use: the shared vocabulary and local times."""

from __future__ import annotations

from flask import Flask

from hotline.core.clock import format_local
from hotline.core.vocabulary import CARD_LEVELS, ROLES, UNIT_LEVEL_NAMES


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(ROLES=ROLES, UNIT_LEVEL_NAMES=UNIT_LEVEL_NAMES, CARD_LEVELS=CARD_LEVELS)
    app.jinja_env.filters["localtime"] = format_local
