"""Command-line entry points: `flask --app wsgi <command>`."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple


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
    from hotline.scheduler import build

    app = current_app._get_current_object()
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
    from hotline.scheduler import JOBS, run_blocking

    _log_jobs()
    click.echo("hotline scheduler: " + ", ".join(j.id for j in JOBS))
    run_blocking(current_app._get_current_object())


@click.command("sweep")
def sweep_command() -> None:
    """Run the escalation sweep once, now."""
    from hotline.workflow.escalation import sweep

    click.echo(sweep())


@click.command("workflow-docs")
@click.option("--check", is_flag=True, help="fail if docs/workflow.md is out of date")
def workflow_docs_command(check: bool) -> None:
    """Write docs/workflow.md (state diagram and action table) from the state machine."""
    from config import PROJECT_ROOT
    from hotline.workflow.diagram import render_markdown

    target = PROJECT_ROOT / "docs" / "workflow.md"
    text = render_markdown()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise click.ClickException("docs/workflow.md is out of date: run `flask --app wsgi workflow-docs`")
        click.echo("docs/workflow.md is up to date")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}")


def register_commands(app: Flask) -> None:
    from hotline.demo import demo_command
    from hotline.grid.cli import grid_cli
    from hotline.jobs.worker import worker_command
    from hotline.open311.cli import open311_cli

    app.cli.add_command(grid_cli)
    app.cli.add_command(open311_cli)
    app.cli.add_command(serve_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(workflow_docs_command)
    app.cli.add_command(demo_command)
