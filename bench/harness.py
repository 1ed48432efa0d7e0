"""What every benchmark shares: throwaway databases, the app on them, the `--smoke` switch
and the printed table (measure, result, the target or the peer measured in the same run).

`--smoke` runs a benchmark at a tiny size in seconds: it proves the benchmark still works
(every step runs, every answer is sane) without judging speed, so `make test` can run them
all and a benchmark can never rot unnoticed."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRED = os.environ.get("CI") == "true"
BENCH_PASSWORD = "bench-password"


@dataclass
class Row:
    measure: str
    result: str
    target: str = ""  # the target, or the peer's figure from the same run
    ok: bool = True


def arguments(doc: str | None, *, paths: tuple[str, ...] = (), **sizes: int) -> argparse.Namespace:
    """`--smoke` plus one option per size (`--open 1000000` …), with their full defaults,
    and one per path (`--explain DIR` …), unset by default."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a tiny run that checks the benchmark works")
    for name, default in sizes.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    for name in paths:
        parser.add_argument(f"--{name.replace('_', '-')}", default=None)
    return parser.parse_args()


def report(title: str, rows: list[Row], *, smoke: bool) -> None:
    """Print the table; exit 1 when a target is missed (in a smoke run only a failed step
    counts: targets need the full size)."""
    print(f"\n{title}{' (smoke run: sizes too small to judge speed)' if smoke else ''}")
    header = Row("measure", "result", "target / peer")
    widths = [max(len(getattr(r, f)) for r in [header, *rows]) for f in ("measure", "result", "target")]
    for r in [header, *rows]:
        mark = "ok" if r is header else ("✓" if r.ok else ("·" if smoke else "✗"))
        print(f"{r.measure:<{widths[0]}}  {r.result:<{widths[1]}}  {r.target:<{widths[2]}}  {mark}")
    if not smoke and not all(r.ok for r in rows):
        sys.exit(1)


def unavailable(what: str, reason: object) -> None:
    """A service the benchmark needs is missing: fail under CI, else say so and stop."""
    print(f"{what} unavailable ({reason}): {'failing, as CI requires it' if REQUIRED else 'skipped'}")
    sys.exit(1 if REQUIRED else 0)


def postgres_reachable() -> bool:
    """Whether the PostgreSQL server answers (under CI it must)."""
    from sqlalchemy import create_engine

    try:
        create_engine(POSTGRES_ADMIN_URL).connect().close()
    except Exception as exc:  # any failure to connect means "not there"
        if REQUIRED:
            unavailable("PostgreSQL", exc)
        return False
    return True


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        conn = admin.connect()
    except Exception as exc:  # any failure to connect means "not there"
        unavailable("PostgreSQL", exc)
        raise
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.close()
        admin.dispose()


BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served(NamedTuple):
    port: int
    pid: int  # gunicorn's master


@contextmanager
def gunicorn(
    app: str, url: str, workers: int, *, bin_dir: Path = BIN, cwd: Path = ROOT, **settings: str
) -> Iterator[Served]:
    """`app` served by `workers` sync workers on a free port, until the block ends;
    `settings` are extra environment variables (HOTLINE_REDIS_URL …). `bin_dir` and `cwd`
    serve another project (the peer) the same way."""
    port = free_port()
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY": "bench",
           "HOTLINE_INSTANCE_PATH": tempfile.mkdtemp(), "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
           **settings}  # fmt: skip
    # --preload, as the Procfile serves: the app is built once in the master and the workers
    # share its pages (four workers on two cores cost a third more CPU per request without).
    proc = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--preload", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        cwd=cwd, env=env,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"gunicorn for {app} did not start")
        # The master listens before it forks: on a loaded machine the workers come later.
        for _ in range(300):
            if len(worker_pids(proc.pid)) >= workers:
                break
            time.sleep(0.05)
        yield Served(port, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def worker_pids(master: int) -> list[int]:
    """The worker processes of a gunicorn master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.sqlite3"


def bench_settings(url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": tempfile.mkdtemp(),
        "SECRET_KEY": "bench",
        "HOTLINE_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "HOTLINE_DEMO_PASSWORD": BENCH_PASSWORD,
    }


def migrated_app(url: str, **settings: Any) -> Any:
    """The app on `url`, migrated, with the demo organisation and accounts."""
    from flask_migrate import upgrade

    from hotline.app import create_app
    from hotline.demo import load_reference

    app = create_app(bench_settings(url) | settings)
    with app.app_context():
        upgrade()
        load_reference(BENCH_PASSWORD)
    return app
