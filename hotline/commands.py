"""The process-level commands: `flask --app wsgi serve` (the embedded set-up) and
`flask --app wsgi scheduler`. Each feature brings its own commands (app.FEATURES)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from hotline.scheduler import JOBS, build, run_blocking
from hotline.worker import worker_command


def _log_jobs() -> None:
    """Show what the periodic jobs did on the console."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    log = logging.getLogger("hotline")
    log.setLevel(logging.INFO)
    log.addHandler(handler)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: HOTLINE_PORT (5000)")
@click.option("--scheduler/--no-scheduler", default=True, help="run the periodic jobs in this process")
def serve_command(host: str, port: int | None, scheduler: bool) -> None:
    """Serve the embedded set-up: pages, API and (by default) the scheduler in one process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    port = port or app.config["HOTLINE_PORT"]
    click.echo(f"hotline: http://{host}:{port}/  (database: {app.config['SQLALCHEMY_DATABASE_URI']})")
    if scheduler:
        _log_jobs()
        build(app).start()
        click.echo("hotline: scheduler running in this process (escalation sweep every minute)")
    # Flask refuses app.run() inside its CLI; this is the same server, without the reloader
    # (which would start a second process).
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic jobs (one such process per deployment; never inside web workers)."""
    _log_jobs()
    click.echo("hotline scheduler: " + ", ".join(j.id for j in JOBS))
    run_blocking(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's target


def register(app: Flask) -> None:
    app.cli.add_command(serve_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(worker_command)
