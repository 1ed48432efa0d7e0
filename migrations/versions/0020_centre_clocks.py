"""The centre's own clocks: 受理 → 派单 and 反馈 → 审核 get limits in the SLA policy table
(defaults: half a working day to dispatch, 30 minutes when urgent; one working day to
review a reply, 2 hours when urgent) and deadlines on the appeal

Revision ID: 0020_centre_clocks
Revises: 0019_return_review
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_centre_clocks"
down_revision = "0019_return_review"
branch_labels = None
depends_on = None

URGENT = "urgency IN ('紧急', '特急')"


def upgrade():
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("dispatch_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sla_policies") as batch:
        batch.add_column(sa.Column("dispatch", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("review", sa.String(length=8), nullable=True))
    op.execute(
        f"UPDATE sla_policies SET dispatch = CASE WHEN {URGENT} THEN '30min' ELSE '0.5wd' END,"
        f" review = CASE WHEN {URGENT} THEN '2h' ELSE '1wd' END"
    )
    with op.batch_alter_table("sla_policies") as batch:
        batch.alter_column("dispatch", existing_type=sa.String(length=8), nullable=False)
        batch.alter_column("review", existing_type=sa.String(length=8), nullable=False)


def downgrade():
    with op.batch_alter_table("sla_policies") as batch:
        batch.drop_column("review")
        batch.drop_column("dispatch")
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("review_due_at")
        batch.drop_column("dispatch_due_at")
