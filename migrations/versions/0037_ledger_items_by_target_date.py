"""A campaign's items by the date to close by (ix_ledger_items_campaign_id_target_date), so
that the ledger page finds its overdue items without reading every item of a 万件清理; it
replaces the index on campaign_id alone, which the unique (campaign_id, appeal_id) covers.

Revision ID: 0037_ledger_items_by_target_date
Revises: 0036_open_place_counts
Create Date: 2026-12-07 02:30:00

"""

from alembic import op

revision = "0037_ledger_items_by_target_date"
down_revision = "0036_open_place_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ledger_items", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_items_campaign_id_target_date", ["campaign_id", "target_date"], unique=False)
        batch_op.drop_index("ix_ledger_items_campaign_id")


def downgrade():
    with op.batch_alter_table("ledger_items", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_items_campaign_id", ["campaign_id"], unique=False)
        batch_op.drop_index("ix_ledger_items_campaign_id_target_date")
