"""Reads at scale: which units each appeal has reached (the unit and every unit above it),
so that a unit's appeals are one index range, filled here from the appeals' current units,
the units their events sent them to and their co-units; the same for open appeals only;
and the dashboard's open counts

Revision ID: 0008_appeal_reach
Revises: 0007_read_indexes
Create Date: 2026-11-30 06:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_appeal_reach"
down_revision = "0007_read_indexes"
branch_labels = None
depends_on = None

# Every unit an appeal reached, with every unit above it (whose path is a prefix of its path).
BACKFILL = """
INSERT INTO appeal_reach (unit_id, appeal_id)
SELECT DISTINCT above.id, reached.appeal_id
FROM (
    SELECT current_unit_id AS unit_id, id AS appeal_id FROM appeals WHERE current_unit_id IS NOT NULL
    UNION SELECT target_unit_id, appeal_id FROM appeal_events WHERE target_unit_id IS NOT NULL
    UNION SELECT unit_id, appeal_id FROM appeal_co_units
) AS reached
JOIN units AS unit ON unit.id = reached.unit_id
JOIN units AS above ON substr(unit.path, 1, length(above.path)) = above.path
"""
BACKFILL_OPEN = """
INSERT INTO appeal_open_reach (unit_id, appeal_id)
SELECT appeal_reach.unit_id, appeal_reach.appeal_id
FROM appeal_reach JOIN appeals ON appeals.id = appeal_reach.appeal_id
WHERE appeals.state NOT IN ('evaluated', 'merged', 'voided')
"""


def _reach_table(name: str) -> None:
    """(unit, appeal) pairs, keyed unit first: a unit's appeals are one range."""
    op.create_table(
        name,
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], name=op.f(f"fk_{name}_appeal_id_appeals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f(f"fk_{name}_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "appeal_id", name=op.f(f"pk_{name}")),
    )  # fmt: skip


def upgrade():
    _reach_table("appeal_reach")
    op.execute(BACKFILL)
    _reach_table("appeal_open_reach")
    # Closing an appeal removes its open rows.
    with op.batch_alter_table("appeal_open_reach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_open_reach_appeal_id"), ["appeal_id"], unique=False)
    op.execute(BACKFILL_OPEN)
    op.create_table(
        "open_appeal_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("warning", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_open_appeal_counts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_appeal_counts")),
    )


def downgrade():
    op.drop_table("open_appeal_counts")
    op.drop_table("appeal_open_reach")
    op.drop_table("appeal_reach")
