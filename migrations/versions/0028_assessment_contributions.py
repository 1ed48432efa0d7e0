"""The assessment's stored contributions: one row per evaluated appeal with what it adds to
every rate (appeal_contributions), their sums per unit and day (assessment_daily), and the
(unit, day) pairs changed since the last roll-up (assessment_changes). The tables start
empty: the `assessment-rollup` job fills them from the appeals on its first run (as
`flask assessment-rebuild` does), since that takes the rates as they are defined now.

Revision ID: 0028_assessment_contributions
Revises: 0027_police_handovers
Create Date: 2026-12-06 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_assessment_contributions"
down_revision = "0027_police_handovers"
branch_labels = None
depends_on = None

RATES = (
    "signing",
    "response",
    "on_time",
    "resolution",
    "satisfaction",
    "visit",
    "first_time",
    "repeat",
    "returned",
    "reopened",
    "direct_answer",
)


def _rate_columns() -> list[sa.Column]:
    return [
        column
        for key in RATES
        for column in (
            sa.Column(f"{key}_num", sa.Float(), nullable=False),
            sa.Column(f"{key}_den", sa.Integer(), nullable=False),
        )
    ]


def upgrade():
    op.create_table(
        "appeal_contributions",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("red_cards", sa.Integer(), nullable=False),
        sa.Column("deductions", sa.Float(), nullable=False),
        *_rate_columns(),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_index("ix_appeal_contributions_unit_day", "appeal_contributions", ["unit_id", "day"])
    op.create_index("ix_appeal_contributions_day", "appeal_contributions", ["day"])
    op.create_table(
        "assessment_daily",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.Column("red_cards", sa.Integer(), nullable=False),
        sa.Column("deductions", sa.Float(), nullable=False),
        *_rate_columns(),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("unit_id", "day"),
    )
    op.create_index("ix_assessment_daily_day", "assessment_daily", ["day"])
    op.create_table(
        "assessment_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assessment_changes_day", "assessment_changes", ["day", "unit_id"])


def downgrade():
    op.drop_table("assessment_changes")
    op.drop_table("assessment_daily")
    op.drop_table("appeal_contributions")
