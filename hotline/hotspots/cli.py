"""Commands of 未诉先办."""

from __future__ import annotations

from datetime import date

import click

from hotline.hotspots.operations import detect


@click.command("hot-spots")
@click.option("--week", type=click.DateTime(formats=["%Y-%m-%d"]), help="any day of the week (default: last week)")
def hot_spots_command(week) -> None:
    """Detect the hot spots of one week now (the scheduler does it every Monday)."""
    day: date | None = week.date() if week else None
    found = detect(day)
    click.echo(f"{found.flagged} hot spots in the week from {found.week}")
