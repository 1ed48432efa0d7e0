"""The assessment's monthly rows: the daily rows summed per unit and calendar month
(assessment_monthly), so that a whole month is one row per unit (the centre's ranking of a
month read 58,000 daily rows for each of its two months). The table starts empty: the
stored figures' definitions changed with it, so the next `assessment-rollup` builds
everything again (as `flask assessment-rebuild` does at once).

Revision ID: 0034_assessment_monthly
Revises: 0033_daily_activity_by_unit
Create Date: 2026-12-06 23:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0034_assessment_monthly"
down_revision = "0033_daily_activity_by_unit"
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


def upgrade():
    op.create_table(
        "assessment_monthly",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.Column("red_cards", sa.Integer(), nullable=False),
        sa.Column("deductions", sa.Float(), nullable=False),
        *(
            column
            for key in RATES
            for column in (
                sa.Column(f"{key}_num", sa.Float(), nullable=False),
                sa.Column(f"{key}_den", sa.Integer(), nullable=False),
            )
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("unit_id", "month"),
    )
    op.create_index("ix_assessment_monthly_month", "assessment_monthly", ["month"])


def downgrade():
    op.drop_index("ix_assessment_monthly_month", table_name="assessment_monthly")
    op.drop_table("assessment_monthly")
