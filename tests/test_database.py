"""The database connection itself, as the features use it."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from hotline.core.extensions import db


@pytest.mark.postgres
def test_results_are_described_as_psycopg_describes_them(postgres_app):
    """The app's cursors build a result's description only when it is read (SQLAlchemy
    reads it for statements it has not seen before): what they give is what psycopg's own
    cursor gives, column by column, and a statement without rows has none."""
    query = "SELECT 1 AS one, 'x'::text AS two, now() AS three"
    with postgres_app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        ours = raw.cursor()
        ours.execute(query)
        plain = psycopg.Cursor(raw)
        plain.execute(query)
        described = [(c.name, c.type_code, c.internal_size) for c in ours.description]
        assert described == [(c.name, c.type_code, c.internal_size) for c in plain.description]
        assert len(ours.description) == 3 and ours.description[1].name == "two"
        ours.execute("SET LOCAL work_mem = '8MB'")
        assert ours.description is None
        row = db.session.execute(text(query)).one()
        assert row._mapping["one"] == 1 and row._mapping["two"] == "x"
        db.session.rollback()
