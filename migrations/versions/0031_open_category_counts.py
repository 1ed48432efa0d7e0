"""The dashboard's category × area table: the open appeals per holding unit and category
(open_category_counts), replaced each minute with the open counts.

Revision ID: 0031_open_category_counts
Revises: 0030_daily_activity
Create Date: 2026-12-06 21:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0031_open_category_counts"
down_revision = "0030_daily_activity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "open_category_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("open_category_counts")
