"""Duplicates (重复诉求/并单): an appeal may name the earlier, closed appeal it repeats; the
recent appeals of a grid are one index range (the similar-appeal suggestions)

Revision ID: 0015_duplicates
Revises: 0014_appeal_search
Create Date: 2026-12-01 18:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_duplicates"
down_revision = "0014_appeal_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_appeals_repeat_of_id_appeals"), "appeals", ["repeat_of_id"], ["id"])
        batch_op.create_index(
            "ix_appeals_repeat_of_id",
            ["repeat_of_id"],
            unique=False,
            postgresql_where=sa.text("repeat_of_id IS NOT NULL"),
            sqlite_where=sa.text("repeat_of_id IS NOT NULL"),
        )
        batch_op.create_index("ix_appeals_grid_id_received_at", ["grid_id", "received_at"], unique=False)


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_grid_id_received_at")
        batch_op.drop_index("ix_appeals_repeat_of_id", postgresql_where=sa.text("repeat_of_id IS NOT NULL"))
        batch_op.drop_constraint(batch_op.f("fk_appeals_repeat_of_id_appeals"), type_="foreignkey")
        batch_op.drop_column("repeat_of_id")
