"""特急 gets its own tier of time limits (2 hours to finish, as Beijing's 接诉即办 has it),
apart from 紧急 (24 hours): the 特急 rows still at the shared urgent defaults take the new
ones (rows an administrator changed are left as they are; appeals keep their deadlines)

Revision ID: 0022_critical_tier
Revises: 0021_open_state_index
Create Date: 2026-12-01 23:00:00

"""

from alembic import op

revision = "0022_critical_tier"
down_revision = "0021_open_state_index"
branch_labels = None
depends_on = None

FIELDS = ("dispatch", "sign", "return_window", "handle", "review", "visit", "reopen", "red_after")
URGENT = ("30min", "30min", "1h", "24h", "2h", "4h", "24h", "2h")
CRITICAL = ("15min", "15min", "30min", "2h", "1h", "2h", "2h", "1h")


def _move(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    values = ", ".join(f"{f} = '{v}'" for f, v in zip(FIELDS, new, strict=True))
    unchanged = " AND ".join(f"{f} = '{v}'" for f, v in zip(FIELDS, old, strict=True))
    op.execute(f"UPDATE sla_policies SET {values} WHERE urgency = '特急' AND {unchanged}")


def upgrade():
    _move(URGENT, CRITICAL)


def downgrade():
    _move(CRITICAL, URGENT)
