"""Indexes for reads at scale: appeals by received time (periods), 督办 events (red cards)

Revision ID: 0007_read_indexes
Revises: 0006_open311
Create Date: 2026-11-25 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_read_indexes"
down_revision = "0006_open311"
branch_labels = None
depends_on = None

SUPERVISE = "action = 'supervise'"


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_received_at", ["received_at"], unique=False)
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeal_events_supervise_appeal_id",
            ["appeal_id"],
            unique=False,
            postgresql_where=sa.text(SUPERVISE),
            sqlite_where=sa.text(SUPERVISE),
        )


def downgrade():
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_events_supervise_appeal_id")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_received_at")
