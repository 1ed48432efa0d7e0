"""hotline: the closed loop of a 12345 government-service hotline centre."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from config import PROJECT_ROOT, default_instance_path, load_secret_key, load_settings
from hotline.extensions import db, migrate


MAX_ID = 2_147_483_647


class DatabaseId(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    overrides = dict(overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", default_instance_path()))
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(instance_path),
                template_folder="web/templates", static_folder="web/static")
    app.config.update(load_settings(instance_path))
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    app.json.ensure_ascii = False
    # <int:…> in routes stops at the largest INTEGER a database id can be: a larger number
    # names nothing, so it is a 404 like any other missing row.
    app.url_map.converters["int"] = DatabaseId
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from hotline.db import configure_sqlite

            configure_sqlite(db.engine, app.config["HOTLINE_SQLITE_BUSY_TIMEOUT_MS"])

    # Register every table with the metadata (Alembic compares against it).
    from hotline import audit, idempotency, models, revisions  # noqa: F401
    from hotline.attachments import models as attachment_models  # noqa: F401
    from hotline.calendar import models as calendar_models  # noqa: F401
    from hotline.grid import models as grid_models  # noqa: F401
    from hotline.jobs import models as job_models  # noqa: F401
    from hotline.ledger import models as ledger_models  # noqa: F401
    from hotline.notifications import models as notification_models  # noqa: F401
    from hotline.open311 import models as open311_models  # noqa: F401
    from hotline.workflow import models as workflow_models  # noqa: F401
    from hotline.web import register_web

    register_web(app)

    from hotline.commands import register_commands

    register_commands(app)
    return app
