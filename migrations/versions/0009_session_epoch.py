"""Page sessions that can be ended: users.session_epoch

Revision ID: 0009_session_epoch
Revises: 0008_appeal_reach
Create Date: 2026-11-30 07:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_session_epoch"
down_revision = "0008_appeal_reach"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
