"""12345 ↔ 110: hand-over records (police_handovers: direction, 110 incident number, time,
reason, the other desk and its receipt, 110's feedback), the incident number an appeal
keeps (appeals.police_incident, indexed to find it by) and 先行受理 (appeals.held_first).
Appeals voided as 转110 before this keep no record: there was none.

Revision ID: 0027_police_handovers
Revises: 0026_audit_sampling_and_checks
Create Date: 2026-12-02 04:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0027_police_handovers"
down_revision = "0026_audit_sampling_and_checks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "police_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("incident_number", sa.String(length=32), nullable=True),
        sa.Column("handed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=50), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_police_handovers_appeal_id_appeals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_police_handovers_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_handovers")),
    )
    with op.batch_alter_table("police_handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_police_handovers_appeal_id"), ["appeal_id"], unique=False)
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("police_incident", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("held_first", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f("ix_appeals_police_incident"), ["police_incident"], unique=False)


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_police_incident"))
        batch_op.drop_column("held_first")
        batch_op.drop_column("police_incident")
    with op.batch_alter_table("police_handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_police_handovers_appeal_id"))
    op.drop_table("police_handovers")
