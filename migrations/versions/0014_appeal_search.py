"""Appeal search: the full-text index of every appeal's title, address and content (an FTS5
table on SQLite, tsvectors under a GIN index on PostgreSQL; hotline/core/fulltext.py),
filled here from the appeals there are

Revision ID: 0014_appeal_search
Revises: 0013_knowledge
Create Date: 2026-12-01 18:05:00

"""

import sqlalchemy as sa
from alembic import op

from hotline.core.fulltext import APPEALS

revision = "0014_appeal_search"
down_revision = "0013_knowledge"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Deferred: an intake writes the document before the ORM flushes the appeal itself.
        op.execute(
            "CREATE TABLE appeal_search ("
            " doc_id integer PRIMARY KEY REFERENCES appeals (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,"
            " document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_appeal_search_document ON appeal_search USING gin (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE appeal_search USING fts5(title, address, content, tokenize='unicode61')")
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, title, address, content FROM appeals WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            break
        APPEALS.put_many(bind, [(r.id, {"title": r.title, "address": r.address, "content": r.content}) for r in rows])
        last = rows[-1].id


def downgrade():
    op.execute("DROP TABLE appeal_search")
