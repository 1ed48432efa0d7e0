"""回访 attempts: the calls that did not reach the citizen, counted on different half-days
(appeals.visit_attempts, last_visit_attempt_at); the 未联系上 SMS links to the tracking page
(its default text is updated where an administrator left it as it was)

Revision ID: 0024_visit_attempts
Revises: 0023_pauses_and_category_limits
Create Date: 2026-12-02 00:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_visit_attempts"
down_revision = "0023_pauses_and_category_limits"
branch_labels = None
depends_on = None

OLD = (
    "【12345】回访员于{{ visited_at }}就工单{{ number }}致电您未能接通。"
    "如对办理结果有意见，请致电12345并提供查询码{{ query_code }}。"
)
NEW = (
    "【12345】回访员多次就工单{{ number }}致电您未能接通。查看办理结果：{{ track_url }}"
    " 如对办理结果有意见，请致电12345并提供查询码{{ query_code }}。"
)
UPDATE = sa.text("UPDATE message_templates SET body = :new WHERE key = 'sms.visit_missed' AND body = :old")


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_visit_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.get_bind().execute(UPDATE, {"new": NEW, "old": OLD})


def downgrade():
    op.get_bind().execute(UPDATE, {"new": OLD, "old": NEW})
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("last_visit_attempt_at")
        batch_op.drop_column("visit_attempts")
