"""受理辅助: the category and unit models trained each night from the answered appeals

Revision ID: 0016_assist_models
Revises: 0015_duplicates
Create Date: 2026-12-01 18:40:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_assist_models"
down_revision = "0015_duplicates"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assist_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column(
            "labels",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("vocabulary", sa.Integer(), nullable=False),
        sa.Column("trained_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["trained_by_id"], ["users.id"], name=op.f("fk_assist_models_trained_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_models")),
        sa.UniqueConstraint("kind", name=op.f("uq_assist_models_kind")),
    )


def downgrade():
    op.drop_table("assist_models")
