"""监督 by sampling and 核查 on the spot: each unit's audit share (audit_shares, inherited
down the tree; none set: HOTLINE_AUDIT_SHARE), why an appeal is audited (appeals.
audit_reason), the unit that must check a field-check category on the spot and when it did
(check_unit_id, checked_at), and the points a unit loses for a 虚假办结
(assessment_deductions). Appeals already in 监督 stay there for a person to audit.

Revision ID: 0026_audit_sampling_and_checks
Revises: 0025_ratings_and_contests
Create Date: 2026-12-02 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_audit_sampling_and_checks"
down_revision = "0025_ratings_and_contests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_shares",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_audit_shares_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_audit_shares")),
    )
    op.create_table(
        "assessment_deductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_assessment_deductions_appeal_id_appeals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_assessment_deductions_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_assessment_deductions_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_deductions")),
    )
    with op.batch_alter_table("assessment_deductions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_deductions_appeal_id"), ["appeal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_deductions_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_reason", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("check_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_appeals_check_unit_id"), ["check_unit_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_appeals_check_unit_id_units"), "units", ["check_unit_id"], ["id"])


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appeals_check_unit_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_appeals_check_unit_id"))
        batch_op.drop_column("checked_at")
        batch_op.drop_column("check_unit_id")
        batch_op.drop_column("audit_reason")
    with op.batch_alter_table("assessment_deductions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_deductions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_deductions_appeal_id"))
    op.drop_table("assessment_deductions")
    op.drop_table("audit_shares")
