"""Commands of the assessment."""

from __future__ import annotations

import click

from hotline.metrics.contributions import rebuild


@click.command("assessment-rebuild")
def assessment_rebuild_command() -> None:
    """Store every evaluated appeal's contribution again, and their daily sums: after the
    factors (HOTLINE_RESOLUTION_FACTORS, HOTLINE_SATISFACTION_FACTORS) change."""
    click.echo(f"contributions of {rebuild():,} evaluated appeals stored and summed per unit and day")
