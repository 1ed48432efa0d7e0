"""Open appeals by state and id (the centre's queues and their counts from the index alone),
in place of the index of the accepted ones only

Revision ID: 0021_open_state_index
Revises: 0020_centre_clocks
Create Date: 2026-12-01 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_open_state_index"
down_revision = "0020_centre_clocks"
branch_labels = None
depends_on = None

OPEN_ONLY = "state NOT IN ('evaluated', 'merged', 'voided')"


def upgrade():
    op.drop_index("ix_appeals_accepted_id", table_name="appeals")
    where = sa.text(OPEN_ONLY)
    op.create_index("ix_appeals_open_state_id", "appeals", ["state", "id"], postgresql_where=where, sqlite_where=where)


def downgrade():
    op.drop_index("ix_appeals_open_state_id", table_name="appeals")
    where = sa.text("state = 'accepted'")
    op.create_index("ix_appeals_accepted_id", "appeals", ["id"], postgresql_where=where, sqlite_where=where)
