"""挂起/缓办 (appeal_pauses), 长周期 extensions decided by the centre (appeal_extensions.long_cycle),
and categories' own ceilings on the time limits (sla_category_limits; the demo and "reset to
defaults" fill them for 供水/供电/燃气/供暖; a centre's own taxonomy is left for it to set)

Revision ID: 0023_pauses_and_category_limits
Revises: 0022_critical_tier
Create Date: 2026-12-01 23:10:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023_pauses_and_category_limits"
down_revision = "0022_critical_tier"
branch_labels = None
depends_on = None

# The citizen's SMS on an approved extension and pause (frozen here; hotline/notifications/
# sms_defaults.py holds the current ones for "reset").
TEMPLATES = {
    "sms.extended": (
        "延期办理",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）因{{ reason }}需延期办理，"
        "承办单位将于{{ due_at }}前办结答复。查询码{{ query_code }}。",
    ),
    "sms.paused": (
        "暂缓办理",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）因{{ reason }}暂缓办理，"
        "预计{{ resume_on }}恢复办理，届时将继续按时限办理。查询码{{ query_code }}。",
    ),
}


def upgrade():
    op.create_table(
        "sla_category_limits",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("sign", sa.String(length=8), nullable=True),
        sa.Column("handle", sa.String(length=8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_sla_category_limits_category_id_categories")
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_sla_category_limits")),
    )
    op.create_table(
        "appeal_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resume_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("due_at_paused", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at_resumed", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_pauses_appeal_id_appeals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_appeal_pauses_decided_by_id_users")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_appeal_pauses_requested_by_id_users")),
        sa.ForeignKeyConstraint(["resumed_by_id"], ["users.id"], name=op.f("fk_appeal_pauses_resumed_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_appeal_pauses_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_pauses")),
    )
    with op.batch_alter_table("appeal_pauses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeal_pauses_active_resume_at",
            ["resume_at"],
            unique=False,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )
        batch_op.create_index(batch_op.f("ix_appeal_pauses_appeal_id"), ["appeal_id"], unique=False)

    with op.batch_alter_table("appeal_extensions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("long_cycle", sa.Boolean(), server_default=sa.false(), nullable=False))

    templates = sa.table(
        "message_templates",
        sa.column("key"),
        sa.column("name"),
        sa.column("body"),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    stamp = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        stamp = stamp.replace(tzinfo=None)
    op.bulk_insert(
        templates,
        [{"key": key, "name": name, "body": body, "updated_at": stamp} for key, (name, body) in TEMPLATES.items()],
    )


def downgrade():
    op.execute("DELETE FROM message_templates WHERE key IN ('sms.extended', 'sms.paused')")
    with op.batch_alter_table("appeal_extensions", schema=None) as batch_op:
        batch_op.drop_column("long_cycle")

    with op.batch_alter_table("appeal_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_pauses_appeal_id"))
        batch_op.drop_index(
            "ix_appeal_pauses_active_resume_at",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.drop_table("appeal_pauses")
    op.drop_table("sla_category_limits")
