"""What the assessment keeps so that any period and any subtree is a sum, not a scan.

`appeal_contributions`: one row per evaluated appeal (评价: its loop closed and its figures
final), written in the transaction that evaluates it, with what it adds to every rate's
numerator and denominator, its red cards and its 虚假办结 points, under the unit it counts
for (its main handling unit; the centre for an appeal it answered itself) and the local day
it was evaluated. A later change (an upheld 申诉 excludes it) rewrites or removes the row.

`assessment_daily`: those rows summed per unit and day by the `assessment-rollup` job.
`assessment_monthly`: the daily rows summed per unit and calendar month by the same job, so
that a whole month is one row per unit (a province's month: 1,900 rows instead of 58,000).
`assessment_changes` names the (unit, day) pairs changed since the job last ran; reads take
those pairs from the contributions themselves, so a figure is exact the moment after an
evaluation, whether or not the job has run."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, Table

from hotline.core.extensions import db
from hotline.metrics.rates import ALL_RATES


def _rate_columns() -> list[Column]:
    return [
        column
        for rate in ALL_RATES
        for column in (
            Column(f"{rate.key}_num", Float, nullable=False, default=0.0),
            Column(f"{rate.key}_den", Integer, nullable=False, default=0),
        )
    ]


contributions = Table(
    "appeal_contributions",
    db.metadata,
    Column("appeal_id", Integer, ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("red_cards", Integer, nullable=False, default=0),
    Column("deductions", Float, nullable=False, default=0.0),
    *_rate_columns(),
    Index("ix_appeal_contributions_unit_day", "unit_id", "day"),
    Index("ix_appeal_contributions_day", "day"),
)

daily = Table(
    "assessment_daily",
    db.metadata,
    Column("unit_id", Integer, ForeignKey("units.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("appeals", Integer, nullable=False),
    Column("red_cards", Integer, nullable=False),
    Column("deductions", Float, nullable=False),
    *_rate_columns(),
    Index("ix_assessment_daily_day", "day"),
)

monthly = Table(
    "assessment_monthly",
    db.metadata,
    Column("unit_id", Integer, ForeignKey("units.id"), primary_key=True),
    Column("month", Date, primary_key=True),  # its first day
    Column("appeals", Integer, nullable=False),
    Column("red_cards", Integer, nullable=False),
    Column("deductions", Float, nullable=False),
    *_rate_columns(),
    Index("ix_assessment_monthly_month", "month"),
)

changes = Table(
    "assessment_changes",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Index("ix_assessment_changes_day", "day", "unit_id"),
)

# The columns every contribution and every daily row sums, in this order.
SUMMED = ("red_cards", "deductions", *(f"{r.key}_{part}" for r in ALL_RATES for part in ("num", "den")))
