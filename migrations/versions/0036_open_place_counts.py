"""The dashboard's map: the open appeals per grid they are placed in and unit holding them,
with the overdue ones among them (open_place_counts), replaced each minute with the open
counts.

Revision ID: 0036_open_place_counts
Revises: 0035_public_photos
Create Date: 2026-12-06 23:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0036_open_place_counts"
down_revision = "0035_public_photos"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "open_place_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("open_place_counts")
