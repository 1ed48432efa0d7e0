"""The RQ side of the outbox: the job function and `flask --app wsgi worker`. It builds
the app, so it sits beside the app factory, above every feature.

The worker runs jobs in its own process (rq's SimpleWorker: no fork per job), so the app
and its database pool are made once."""

from __future__ import annotations

import click
from flask import Flask, current_app

_app: Flask | None = None


def perform_outbox(outbox_id: int) -> str:
    """What RQ runs for "outbox-<id>"."""
    with _job_app().app_context():
        from hotline.outbox.operations import run

        return run(outbox_id)


def _job_app() -> Flask:
    global _app
    if _app is None:  # a plain `rq worker`: build the app from the environment
        from hotline.app import create_app  # the factory imports this module's command

        _app = create_app()
    return _app


def drain_outbox() -> int:
    """What RQ runs to hand over the rows new intakes and actions pushed on the list."""
    with _job_app().app_context():
        from hotline.outbox.operations import drain

        return drain()


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the outbox queue (the scale-out set-up; needs HOTLINE_REDIS_URL)."""
    global _app
    from rq.worker import SimpleWorker

    from hotline.outbox.operations import queue

    if not current_app.config["HOTLINE_REDIS_URL"]:
        raise click.ClickException("HOTLINE_REDIS_URL is not set: without Redis, jobs run inline in the web process")
    _app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    q = queue()
    click.echo(f"hotline worker: queue {q.name} on {current_app.config['HOTLINE_REDIS_URL']}")
    SimpleWorker([q], connection=q.connection).work(burst=burst, with_scheduler=False)
