"""好差评 and 申诉复核: five rating levels (appeals.satisfaction widened for 非常不满意), the
citizen's 是否联系过您 (citizen_contacted) and who rated when (rated_via, rated_at: the visitor's call or the
citizen on the tracking page), the contests units raise against a rating or a demand
(appeal_contests) and the appeals their upheld contests exclude from the assessment
(assessment_excluded). The 反馈 SMS links to the tracking page to rate (its default text is
updated where an administrator left it as it was).

The three-level values migrate as they are: 满意, 基本满意 and 不满意 are the middle three
of the five levels with the same meaning; every rating so far came from a visitor's call.

Revision ID: 0025_ratings_and_contests
Revises: 0024_visit_attempts
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025_ratings_and_contests"
down_revision = "0024_visit_attempts"
branch_labels = None
depends_on = None

# key: (old default, new default); frozen here, sms_defaults.py holds the current ones.
TEXTS = {
    "sms.replied": (
        "【12345】您反映的「{{ title }}」（工单{{ number }}）办理结果：{{ public_reply }}"
        " 如有疑问请致电12345，查询码{{ query_code }}。",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）办理结果：{{ public_reply }}"
        " 请评价：{{ track_url }} 如有疑问请致电12345，查询码{{ query_code }}。",
    ),
    "sms.visit_missed": (
        "【12345】回访员多次就工单{{ number }}致电您未能接通。查看办理结果：{{ track_url }}"
        " 如对办理结果有意见，请致电12345并提供查询码{{ query_code }}。",
        "【12345】回访员多次就工单{{ number }}致电您未能接通。查看并评价办理结果：{{ track_url }}"
        " 如对办理结果有意见，请致电12345并提供查询码{{ query_code }}。",
    ),
}
UPDATE = sa.text("UPDATE message_templates SET body = :new WHERE key = :key AND body = :old")


def _texts(*, forward: bool) -> None:
    bind = op.get_bind()
    for key, (old, new) in TEXTS.items():
        bind.execute(UPDATE, {"key": key, "new": new, "old": old} if forward else {"key": key, "new": old, "old": new})


def upgrade():
    op.create_table(
        "appeal_contests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("satisfaction", sa.String(length=5), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_contests_appeal_id_appeals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_appeal_contests_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_appeal_contests_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_appeal_contests_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_contests")),
    )
    with op.batch_alter_table("appeal_contests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_contests_appeal_id"), ["appeal_id"], unique=False)
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.alter_column(
            "satisfaction", existing_type=sa.String(length=4), type_=sa.String(length=5), existing_nullable=False
        )
        batch_op.add_column(sa.Column("citizen_contacted", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("rated_via", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("assessment_excluded", sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE appeals SET rated_via = 'visit', rated_at = visited_at WHERE satisfaction <> '未评价'")
    )
    _texts(forward=True)


def downgrade():
    _texts(forward=False)
    bind = op.get_bind()
    # 非常满意 and 非常不满意 have no three-level name: the nearest one keeps the direction.
    bind.execute(sa.text("UPDATE appeals SET satisfaction = '满意' WHERE satisfaction = '非常满意'"))
    bind.execute(sa.text("UPDATE appeals SET satisfaction = '不满意' WHERE satisfaction = '非常不满意'"))
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("assessment_excluded")
        batch_op.drop_column("rated_at")
        batch_op.drop_column("rated_via")
        batch_op.drop_column("citizen_contacted")
        batch_op.alter_column(
            "satisfaction", existing_type=sa.String(length=5), type_=sa.String(length=4), existing_nullable=False
        )
    with op.batch_alter_table("appeal_contests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_contests_appeal_id"))
    op.drop_table("appeal_contests")
