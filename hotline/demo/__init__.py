"""`flask --app wsgi demo`: the demo centre (organisation, taxonomy, accounts, 300 appeals).
Safe to run again: an existing demo is left as it is."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from hotline.appeals import assist
from hotline.appeals.activity import refresh_activity
from hotline.appeals.escalation import sweep
from hotline.appeals.sla_policies import add_category_defaults
from hotline.auth.models import User
from hotline.auth.operations import hash_password
from hotline.categories.search import spell_categories
from hotline.core import revisions
from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.extensions import db
from hotline.hotspots.operations import detect
from hotline.metrics.contributions import roll_up

DEMO_OPEN311_CLIENT = "Open311 演示客户端"


def load_reference(password: str, *, latest: bool = True) -> None:
    """The organisation, taxonomy and accounts; on the latest schema also what later
    migrations brought: the categories' default time-limit ceilings (供水/供电/燃气/供暖:
    24 h) and their names in pinyin (`latest=False`: tests of earlier migrations)."""
    from hotline.demo.reference import load_reference_data

    with write_transaction(db.session):
        load_reference_data(hash_password(password))
        revisions.bump("grid")
        if latest:
            add_category_defaults()
            revisions.bump("sla")
            spell_categories()


@click.command("demo")
@click.option("--appeals/--no-appeals", default=True, help="also create the 300 demo appeals")
@with_appcontext
def demo_command(appeals: bool) -> None:
    """Load the demo data (once)."""
    from hotline.demo.appeals import load_demo_appeals
    from hotline.demo.knowledge import load_demo_knowledge
    from hotline.open311.clients import add_client

    add_client(DEMO_OPEN311_CLIENT, current_app.config["HOTLINE_OPEN311_DEMO_KEY"])
    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("demo: data already present, nothing to do")
        return
    started = time.monotonic()
    load_reference(current_app.config["HOTLINE_DEMO_PASSWORD"])
    entries = load_demo_knowledge()
    count = 0
    if appeals:
        at = now()
        count = load_demo_appeals(at)
        report = sweep(at)  # what the scheduler would have done by now
        items = load_demo_ledger(at)
        hot = detect()  # what Monday's job would have found
        roll_up()  # and the assessment's daily sums
        refresh_activity(at)  # and the dashboard's trend
        click.echo(f"demo: intake assist {assist.train(at)}")  # what the nightly job would have done
        click.echo(
            f"demo: sweep gave {report.warned} warnings, {report.yellow} yellow and {report.red} red cards; "
            f"万件清理 ledger holds {items} appeals; {hot.flagged} 未诉先办 hot spots last week"
        )
    click.echo(
        f"demo: loaded the organisation, categories, accounts, {entries} knowledge-base entries and {count} appeals "
        f"in {time.monotonic() - started:.1f}s"
    )


def load_demo_ledger(at) -> int:
    """A 万件清理 campaign over the demo's long-open, repeated and enterprise appeals."""
    from datetime import timedelta

    from hotline.ledger import operations as ledger
    from hotline.ledger.progress import progress, snapshot_all

    supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    today = at.date()
    campaign = ledger.create_campaign(
        {
            "name": "万件清理",
            "batch": "第一批",
            "period_start": (today - timedelta(days=30)).isoformat(),
            "period_end": (today + timedelta(days=60)).isoformat(),
            "owner": "沈阳市12345热线中心 督办科",
            "note": "清理久拖未决、重复投诉和涉企诉求",
        },
        supervisor,
    )
    for rule in (
        {"rule": "open_days", "days": 10},
        {"rule": "repeat_callers", "callers": 2},
        {"rule": "enterprise_unresolved"},
        {"rule": "dissatisfied_twice"},
    ):
        ledger.enroll(campaign.id, rule | {"leader": "分管副主任"}, supervisor, at=at)
    snapshot_all()
    return progress(campaign, supervisor).total
