"""Categories' names in pinyin (categories.spelled: initials and whole syllables), spelled
once here and when categories are written, so that intake can pick a category by typing
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
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("spelled", sa.String(length=200), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM categories")).all()
    if rows:
        from pypinyin import Style, lazy_pinyin

        for category_id, name in rows:
            initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
            spelled = f"{initials} {''.join(lazy_pinyin(name)).lower()}"
            conn.execute(sa.text("UPDATE categories SET spelled = :s WHERE id = :i"), {"s": spelled, "i": category_id})


def downgrade():
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("spelled")
