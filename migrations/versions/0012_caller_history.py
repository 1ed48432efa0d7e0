"""来电历史: a caller's appeals by phone number (the index was dropped earlier for the
sweep's sake; looking a caller up while they are on the line needs it back)

Revision ID: 0012_caller_history
Revises: 0011_ledger_unit_progress
Create Date: 2026-12-01 17:00:00

"""

from alembic import op

revision = "0012_caller_history"
down_revision = "0011_ledger_unit_progress"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_appeals_citizen_phone", "appeals", ["citizen_phone"])


def downgrade():
    op.drop_index("ix_appeals_citizen_phone", table_name="appeals")
