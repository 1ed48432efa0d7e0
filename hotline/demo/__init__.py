"""`flask --app wsgi demo`: the demo centre (organisation, taxonomy, accounts, 300 appeals).
Safe to run again: an existing demo is left as it is."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from hotline import revisions
from hotline.auth.models import User
from hotline.auth.operations import hash_password
from hotline.clock import now
from hotline.db import write_transaction
from hotline.extensions import db


def load_reference(password: str) -> None:
    from hotline.demo.reference import load_reference_data

    with write_transaction(db.session):
        load_reference_data(hash_password(password))
        revisions.bump("grid")


@click.command("demo")
@click.option("--appeals/--no-appeals", default=True, help="also create the 300 demo appeals")
@with_appcontext
def demo_command(appeals: bool) -> None:
    """Load the demo data (once)."""
    from hotline.demo.appeals import load_demo_appeals

    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("demo: data already present, nothing to do")
        return
    started = time.monotonic()
    load_reference(current_app.config["HOTLINE_DEMO_PASSWORD"])
    count = load_demo_appeals(now()) if appeals else 0
    click.echo(f"demo: loaded the organisation, categories, accounts and {count} appeals "
               f"in {time.monotonic() - started:.1f}s")
