"""Appeals' indexes on columns most appeals leave empty (the caller's name, the 110
incident number, the unit that must check on the spot) hold only the rows that have a
value: they are only looked up by one, and every change of any other appeal (a card of the
escalation sweep, an action) no longer adds an entry to each of them.

Revision ID: 0038_partial_empty_indexes
Revises: 0037_ledger_items_by_target_date
Create Date: 2026-12-07 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0038_partial_empty_indexes"
down_revision = "0037_ledger_items_by_target_date"
branch_labels = None
depends_on = None

COLUMNS = {
    "ix_appeals_citizen_name": "citizen_name",
    "ix_appeals_police_incident": "police_incident",
    "ix_appeals_check_unit_id": "check_unit_id",
}


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        for name, column in COLUMNS.items():
            batch_op.drop_index(name)
            where = sa.text(f"{column} IS NOT NULL")
            batch_op.create_index(name, [column], unique=False, postgresql_where=where, sqlite_where=where)


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        for name, column in COLUMNS.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, [column], unique=False)
