"""The app factory: settings, the database, and every feature registered from one list.

This is the top of the layers (docs/architecture.md): it may import every feature, and no
feature imports it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import click
from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from config import PROJECT_ROOT, default_instance_path, load_secret_key, load_settings
from hotline import commands, navigation
from hotline.appeals import api as appeals_api
from hotline.appeals import assist as appeals_assist
from hotline.appeals import cli as appeals_cli
from hotline.appeals import models as appeals_models
from hotline.appeals import sla_api, sla_views
from hotline.appeals import views as appeals_views
from hotline.appeals.attachments import api as attachments_api
from hotline.appeals.attachments import models as attachments_models
from hotline.appeals.attachments import views as attachments_views
from hotline.auth import api as auth_api
from hotline.auth import models as auth_models
from hotline.auth import views as auth_views
from hotline.calendar import api as calendar_api
from hotline.calendar import models as calendar_models
from hotline.calendar import views as calendar_views
from hotline.categories import api as categories_api
from hotline.categories import models as categories_models
from hotline.core import audit, idempotency, revisions, throttle
from hotline.core.db import configure_postgres, configure_sqlite, ping_idle_connections
from hotline.core.extensions import db, migrate
from hotline.core.validation import MAX_ID
from hotline.demo import demo_command
from hotline.grid import api as grid_api
from hotline.grid import models as grid_models
from hotline.grid import views as grid_views
from hotline.grid.cli import grid_cli
from hotline.hotspots import api as hotspots_api
from hotline.hotspots import cli as hotspots_cli
from hotline.hotspots import models as hotspots_models
from hotline.hotspots import views as hotspots_views
from hotline.knowledge import api as knowledge_api
from hotline.knowledge import models as knowledge_models
from hotline.knowledge import views as knowledge_views
from hotline.ledger import api as ledger_api
from hotline.ledger import models as ledger_models
from hotline.ledger import views as ledger_views
from hotline.metrics import api as metrics_api
from hotline.metrics import cli as metrics_cli
from hotline.metrics import models as metrics_models
from hotline.metrics import views as metrics_views
from hotline.notifications import api as notifications_api
from hotline.notifications import models as notifications_models
from hotline.notifications import views as notifications_views
from hotline.open311 import models as open311_models
from hotline.open311 import views as open311_views
from hotline.open311.cli import open311_cli
from hotline.outbox import api as outbox_api
from hotline.outbox import models as outbox_models
from hotline.outbox import views as outbox_views
from hotline.reports import api as reports_api
from hotline.reports import views as reports_views
from hotline.web import api as web_api
from hotline.web.errors import register_error_handlers
from hotline.web.headers import install_security_headers
from hotline.web.pages import Panel, add_panel, install_template_helpers


@dataclass(frozen=True)
class Feature:
    name: str
    # Modules whose tables must be in the metadata (Alembic compares against it).
    models: tuple[ModuleType, ...] = ()
    pages: tuple[Blueprint, ...] = ()
    # Modules that declare their endpoints on hotline.web.api.api when imported (listed so
    # the import is explicit).
    api: tuple[ModuleType, ...] = ()
    commands: tuple[click.Command, ...] = ()
    # Fragments shown on another feature's page: (page, render), as web.pages.add_panel takes.
    panels: tuple[tuple[str, Panel], ...] = ()


# Core tables that are no feature's own: the audit log, idempotency keys, revision tokens.
CORE_MODELS = (audit, idempotency, revisions)

FEATURES: tuple[Feature, ...] = (
    Feature("auth", (auth_models,), (auth_views.bp,), (auth_api,)),
    Feature("categories", (categories_models,), (), (categories_api,)),
    Feature("grid", (grid_models,), (grid_views.bp,), (grid_api,), (grid_cli,)),
    Feature("calendar", (calendar_models,), (calendar_views.bp,), (calendar_api,)),
    Feature("outbox", (outbox_models,), (outbox_views.bp,), (outbox_api,)),
    Feature("notifications", (notifications_models,), (notifications_views.bp,), (notifications_api,)),
    Feature("knowledge", (knowledge_models,), (knowledge_views.bp,), (knowledge_api,)),
    Feature(
        "appeals",
        (appeals_models, appeals_assist, attachments_models),
        (appeals_views.bp, sla_views.bp, attachments_views.bp),
        (appeals_api, sla_api, attachments_api),
        tuple(appeals_cli.COMMANDS),
    ),
    Feature("reports", (), (reports_views.bp,), (reports_api,)),
    Feature("open311", (open311_models,), (open311_views.bp,), (), (open311_cli,)),
    Feature("ledger", (ledger_models,), (ledger_views.bp,), (ledger_api,)),
    Feature(
        "metrics", (metrics_models,), (metrics_views.bp,), (metrics_api,), (metrics_cli.assessment_rebuild_command,)
    ),
    Feature(
        "hotspots",
        (hotspots_models,),
        (hotspots_views.bp,),
        (hotspots_api,),
        (hotspots_cli.hot_spots_command,),
        panels=(("dashboard", hotspots_views.dashboard_panel),),
    ),
    Feature("demo", commands=(demo_command,)),
)


class DatabaseId(IntegerConverter):
    """<int:…> in routes stops at the largest INTEGER a database id can be: a larger number
    names nothing, so it is a 404 like any other missing row."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    overrides = dict(overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", default_instance_path()))
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(instance_path), template_folder="web/templates", static_folder="web/static")
    app.config.update(load_settings(instance_path))
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider's setting
    app.url_map.converters["int"] = DatabaseId

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["HOTLINE_SQLITE_BUSY_TIMEOUT_MS"])
        else:
            configure_postgres(db.engine)
            ping_idle_connections(db.engine)

    if app.config["HOTLINE_PROXY_COUNT"]:
        hops = app.config["HOTLINE_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    throttle.init_app(app)
    install_template_helpers(app)
    install_security_headers(app)
    register_error_handlers(app)
    for feature in FEATURES:
        for blueprint in feature.pages:
            app.register_blueprint(blueprint)
        for command in feature.commands:
            app.cli.add_command(command)
        for page, render in feature.panels:
            add_panel(app, page, render)
    app.register_blueprint(web_api.bp)
    navigation.install(app)
    commands.register(app)
    return app
