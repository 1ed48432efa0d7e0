"""The migrations build exactly the schema the models describe, on an empty SQLite and an
empty PostgreSQL database, and can be undone."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from hotline.core.extensions import db
from hotline.core.fulltext import IGNORED_TABLES
from tests.conftest import empty_postgres, make_app


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _not_fulltext})
        return compare_metadata(context, db.metadata)


def _not_fulltext(name, type_, parent_names) -> bool:
    return not (type_ == "table" and IGNORED_TABLES.match(name))


def _tables(app) -> set[str]:
    """The database's tables, the full-text indexes' aside (made by hand, per database)."""
    return {name for name in inspect(db.engine).get_table_names() if not IGNORED_TABLES.match(name)}


def _check_round_trip(app) -> None:
    with app.app_context():
        upgrade()
    assert _differences(app) == []
    with app.app_context():
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert _tables(app) == set(db.metadata.tables) | {"alembic_version"}
        assert "knowledge_search" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path):
    _check_round_trip(make_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql(tmp_path):
    with empty_postgres("hotline_schema") as url:
        _check_round_trip(make_app(url, tmp_path))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


@pytest.mark.postgres
def test_postgresql_connections_run_without_jit(postgres_app):
    """JIT compilation cost more than the aggregates it compiled (docs/performance.md)."""
    with postgres_app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
