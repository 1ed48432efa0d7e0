"""A unit's word search at a province's size: each appeal's search document carries the
units it has reached (its scopes), indexed with the words in one GIN index, so that "this
district's appeals that say 井盖" is one index scan instead of every 井盖 appeal of the
province tested against the district's reach rows (PostgreSQL only: SQLite's FTS5 table
keeps reading the reach rows, fast enough at the sizes it serves)

Revision ID: 0018_search_scopes
Revises: 0017_caller_name
Create Date: 2026-12-01 21:00:00

"""

from alembic import op

revision = "0018_search_scopes"
down_revision = "0017_caller_name"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE appeal_search ADD COLUMN scopes integer[] NOT NULL DEFAULT '{}'")
    op.execute(
        "UPDATE appeal_search SET scopes = reached.units"
        " FROM (SELECT appeal_id, array_agg(unit_id ORDER BY unit_id) AS units"
        "       FROM appeal_reach GROUP BY appeal_id) AS reached"
        " WHERE reached.appeal_id = appeal_search.doc_id"
    )
    op.execute("DROP INDEX ix_appeal_search_document")
    op.execute("CREATE INDEX ix_appeal_search_document ON appeal_search USING gin (document, scopes)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_appeal_search_document")
    op.execute("ALTER TABLE appeal_search DROP COLUMN scopes")
    op.execute("CREATE INDEX ix_appeal_search_document ON appeal_search USING gin (document)")
