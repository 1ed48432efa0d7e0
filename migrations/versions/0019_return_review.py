"""派单异议审核: a unit's 退单 is reviewed by whoever dispatched it; a rejected return is
remembered (the unit handles the appeal and may not return it again)

Revision ID: 0019_return_review
Revises: 0018_search_scopes
Create Date: 2026-12-01 21:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_return_review"
down_revision = "0018_search_scopes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("return_rejected_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("return_rejected_at")
