"""Categories' names in pinyin (category_spellings: initials and whole syllables), spelled
once here and when the taxonomy is loaded, so that intake can pick a category by typing
its pinyin without loading pypinyin's dictionaries into every web worker.

Revision ID: 0032_category_spelling
Revises: 0031_open_category_counts
Create Date: 2026-12-06 21:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0032_category_spelling"
down_revision = "0031_open_category_counts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_spellings",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("spelled", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("category_id"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM categories")).all()
    if rows:
        from pypinyin import Style, lazy_pinyin

        spelled = [
            {
                "i": i,
                "s": f"{''.join(lazy_pinyin(n, style=Style.FIRST_LETTER)).lower()} {''.join(lazy_pinyin(n)).lower()}",
            }
            for i, n in rows
        ]
        conn.execute(sa.text("INSERT INTO category_spellings (category_id, spelled) VALUES (:i, :s)"), spelled)


def downgrade():
    op.drop_table("category_spellings")
