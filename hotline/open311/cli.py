"""`flask --app wsgi open311 add-client NAME`: give an Open311 application its api_key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

open311_cli = AppGroup("open311", help="Open311 GeoReport v2 clients.")


@open311_cli.command("add-client")
@click.argument("name")
@click.option("--key", default=None, help="use this api_key instead of a random one")
def add_client_command(name: str, key: str | None) -> None:
    """Register NAME (or give it a new key) and print its api_key once."""
    from hotline.open311.clients import add_client

    client, api_key = add_client(name, key)
    click.echo(f"open311 client {client.name} (id {client.id}): api_key {api_key}")
