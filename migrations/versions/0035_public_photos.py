"""办理前/办理后 photos the centre shows the citizen on the tracking page (attachments.public,
off for every photo there is: nothing was shown before).

Revision ID: 0035_public_photos
Revises: 0034_assessment_monthly
Create Date: 2026-12-06 23:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0035_public_photos"
down_revision = "0034_assessment_monthly"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("public")
