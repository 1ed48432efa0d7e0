"""A running campaign's progress per handling unit, counted by the scheduler each minute
(the centre's ledger page aggregated every item's appeal on each view: 1 s at 315,000 items)

Revision ID: 0011_ledger_unit_progress
Revises: 0010_assessment_index
Create Date: 2026-12-01 16:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ledger_unit_progress"
down_revision = "0010_assessment_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_unit_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ledger_campaigns.id"],
            name=op.f("fk_ledger_unit_progress_campaign_id_ledger_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_ledger_unit_progress_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_unit_progress")),
    )
    with op.batch_alter_table("ledger_unit_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_unit_progress_campaign_id"), ["campaign_id"], unique=False)


def downgrade():
    with op.batch_alter_table("ledger_unit_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_unit_progress_campaign_id"))
    op.drop_table("ledger_unit_progress")
