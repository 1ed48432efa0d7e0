"""The intake benchmark's peer, django-helpdesk's ticket API, set up by the benchmark itself:

1. a virtualenv at bench/.peer-venv (or HOTLINE_BENCH_PEER_VENV) with the pinned
   bench/peer_helpdesk/requirements.txt from PyPI (once; later runs reuse it);
2. a PostgreSQL database of its own on the same server, migrated (`manage.py migrate`);
3. a staff account with a DRF token and one queue (bench/peer_helpdesk/setup_peer.py);
4. gunicorn with the same number of sync workers as hotline, serving
   bench/peer_helpdesk (DRF token auth, no mail sent).

The load is `POST /api/tickets/` with a ticket as close to an appeal as its model has
(queue, title, description, submitter, priority); its action pair, for dispatch and sign,
is `PATCH /api/tickets/<id>/` assigning the ticket to the staff account, then
`POST /api/followups/` recording that it was taken on (签收)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from harness import ROOT, Served, gunicorn

PROJECT = ROOT / "bench" / "peer_helpdesk"
VENV = Path(os.environ.get("HOTLINE_BENCH_PEER_VENV", ROOT / "bench" / ".peer-venv"))
TICKET = {
    "title": "车辆长期占用消防通道",
    "description": "太原北街86号小区消防通道常年停满私家车，消防车无法进入。",
    "submitter_email": "citizen@example.com",
    "priority": 3,
}


class Peer(NamedTuple):
    served: Served
    headers: dict[str, str]
    body: dict
    user_id: int  # the staff account's, to assign tickets to
    database: str  # its database's URL


def install() -> Path:
    """The peer's virtualenv, made and filled on first use; its bin directory."""
    marker = VENV / ".installed"
    requirements = PROJECT / "requirements.txt"
    if not marker.exists() or marker.read_text() != requirements.read_text():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(requirements)], check=True)
        marker.write_text(requirements.read_text())
    return VENV / "bin"


@contextmanager
def helpdesk(database_url: str, workers: int) -> Iterator[Peer]:
    """django-helpdesk served on `database_url`'s server, in a database of its own named
    after it and the number of workers (the caller's database is dropped with its
    server-side copy). Each number of workers has its own: the peer's requests on one
    ticket read every ticket, so sharing would slow one server by the other's tickets."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = f"{url.database}_peer_{workers}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    bin_dir = install()
    env = {**os.environ, "PEER_DATABASE": name, "PEER_DATABASE_HOST": url.host or "127.0.0.1",
           "PEER_DATABASE_PORT": str(url.port or 5432), "PEER_DATABASE_USER": url.username or "postgres",
           "DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(PROJECT)}  # fmt: skip
    try:
        python = str(bin_dir / "python")
        subprocess.run([python, "-m", "django", "migrate", "-v", "0"], cwd=PROJECT, env=env, check=True)
        token, queue, user_id = subprocess.run(
            [python, "setup_peer.py"], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        settings = {k: env[k] for k in env if k.startswith(("PEER_", "DJANGO_"))}
        with gunicorn("wsgi:application", "", workers, bin_dir=bin_dir, cwd=PROJECT, **settings) as served:
            yield Peer(served, {"Authorization": f"Token {token}"}, {**TICKET, "queue": int(queue)}, int(user_id),
                       url.set(database=name).render_as_string(hide_password=False))  # fmt: skip
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
