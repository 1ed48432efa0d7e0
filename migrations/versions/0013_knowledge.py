"""知识库: entries, their versions, the units' proposals, the full-text index of the
entries (an FTS5 table on SQLite, a tsvector table under a GIN index on PostgreSQL: see
hotline/core/fulltext.py), and the entry and version that answered an appeal (直接答复)

Revision ID: 0013_knowledge
Revises: 0012_caller_history
Create Date: 2026-12-01 17:43:06

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_knowledge"
down_revision = "0012_caller_history"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("area_unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["area_unit_id"], ["units.id"], name=op.f("fk_knowledge_entries_area_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_knowledge_entries_category_id_categories")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_knowledge_entries_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["units.id"], name=op.f("fk_knowledge_entries_responsible_unit_id_units")
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_knowledge_entries_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_entries_status"), ["status"], unique=False)

    op.create_table(
        "knowledge_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("area_unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], name=op.f("fk_knowledge_proposals_appeal_id_appeals")),
        sa.ForeignKeyConstraint(["area_unit_id"], ["units.id"], name=op.f("fk_knowledge_proposals_area_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_knowledge_proposals_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["knowledge_entries.id"], name=op.f("fk_knowledge_proposals_entry_id_knowledge_entries")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_knowledge_proposals_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["units.id"], name=op.f("fk_knowledge_proposals_responsible_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_knowledge_proposals_reviewed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_knowledge_proposals_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_proposals")),
    )
    with op.batch_alter_table("knowledge_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_proposals_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_proposals_status"), ["status"], unique=False)

    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("area_unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["area_unit_id"], ["units.id"], name=op.f("fk_knowledge_versions_area_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_knowledge_versions_category_id_categories")
        ),
        sa.ForeignKeyConstraint(["edited_by_id"], ["users.id"], name=op.f("fk_knowledge_versions_edited_by_id_users")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["knowledge_entries.id"], name=op.f("fk_knowledge_versions_entry_id_knowledge_entries")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["knowledge_proposals.id"],
            name=op.f("fk_knowledge_versions_proposal_id_knowledge_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["units.id"], name=op.f("fk_knowledge_versions_responsible_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
        sa.UniqueConstraint("entry_id", "version", name=op.f("uq_knowledge_versions_entry_id_version")),
    )
    with op.batch_alter_table("knowledge_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_versions_entry_id"), ["entry_id"], unique=False)

    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("knowledge_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("knowledge_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_appeals_knowledge_entry_id_knowledge_entries"),
            "knowledge_entries",
            ["knowledge_entry_id"],
            ["id"],
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE knowledge_search ("
            " doc_id integer PRIMARY KEY REFERENCES knowledge_entries (id) ON DELETE CASCADE,"
            " document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_knowledge_search_document ON knowledge_search USING gin (document)")
    else:
        # The terms arrive space-separated (hotline.core.fulltext); unicode61 splits on spaces.
        op.execute("CREATE VIRTUAL TABLE knowledge_search USING fts5(title, keywords, answer, tokenize='unicode61')")


def downgrade():
    op.execute("DROP TABLE knowledge_search")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appeals_knowledge_entry_id_knowledge_entries"), type_="foreignkey")
        batch_op.drop_column("knowledge_version")
        batch_op.drop_column("knowledge_entry_id")

    with op.batch_alter_table("knowledge_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_versions_entry_id"))

    op.drop_table("knowledge_versions")
    with op.batch_alter_table("knowledge_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_knowledge_proposals_entry_id"))

    op.drop_table("knowledge_proposals")
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_entries_status"))

    op.drop_table("knowledge_entries")
