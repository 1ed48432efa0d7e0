"""The dashboard's 30-day trend: appeals received, closed and carded per unit and day
(daily_activity), counted again each hour by the `activity-days` job (which fills the
last 31 days on its first run).

Revision ID: 0030_daily_activity
Revises: 0029_hot_spots_monthly_topics
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030_daily_activity"
down_revision = "0029_hot_spots_monthly_topics"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "daily_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("carded", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_daily_activity_day", "daily_activity", ["day"])


def downgrade():
    op.drop_table("daily_activity")
