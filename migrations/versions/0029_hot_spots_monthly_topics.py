"""未诉先办 hot spots: a category × community (or grid) whose appeals in one week exceed
their trailing weekly mean (hot_spots), and the proactive task opened from one; 每月一题:
the kind of problem a campaign tackles (ledger_campaigns.topic_category_id).

Revision ID: 0029_hot_spots_monthly_topics
Revises: 0028_assessment_contributions
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0029_hot_spots_monthly_topics"
down_revision = "0028_assessment_contributions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hot_spots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_appeal_id", sa.Integer(), nullable=True),
        sa.Column("task_opened_by_id", sa.Integer(), nullable=True),
        sa.Column("task_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["task_appeal_id"], ["appeals.id"]),
        sa.ForeignKeyConstraint(["task_opened_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week_start", "category_id", "unit_id"),
    )
    op.create_index("ix_hot_spots_week_start", "hot_spots", ["week_start"])
    with op.batch_alter_table("ledger_campaigns") as batch:
        batch.add_column(sa.Column("topic_category_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_ledger_campaigns_topic_category_id", "categories", ["topic_category_id"], ["id"])


def downgrade():
    with op.batch_alter_table("ledger_campaigns") as batch:
        batch.drop_constraint("fk_ledger_campaigns_topic_category_id", type_="foreignkey")
        batch.drop_column("topic_category_id")
    op.drop_table("hot_spots")
