"""A unit's appeals of a period by one index range (the assessment of a district read the
whole period once per unit below it: 29 s at ten million appeals)

Revision ID: 0010_assessment_index
Revises: 0009_session_epoch
Create Date: 2026-12-01 16:00:00

"""

from alembic import op

revision = "0010_assessment_index"
down_revision = "0009_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_appeals_main_unit_id_received_at", "appeals", ["main_unit_id", "received_at"])


def downgrade():
    op.drop_index("ix_appeals_main_unit_id_received_at", table_name="appeals")
