"""A caller's appeals by name (the list search of the centre's citizen-facing staff read
every appeal for it)

Revision ID: 0017_caller_name
Revises: 0016_assist_models
Create Date: 2026-12-01 19:00:00

"""

from alembic import op

revision = "0017_caller_name"
down_revision = "0016_assist_models"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_appeals_citizen_name", "appeals", ["citizen_name"])


def downgrade():
    op.drop_index("ix_appeals_citizen_name", table_name="appeals")
