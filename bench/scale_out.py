"""Scale-out, shown: the `Procfile` set-up (gunicorn with N sync workers, M RQ workers, one
scheduler, on PostgreSQL and Redis) started by honcho as an operator would, intake driven
through it, and every receipt SMS sent by the RQ workers. The whole set-up runs once on
one core and once on two (taskset), 2 and 4 web workers: throughput should follow the cores.

    .venv/bin/python bench/scale_out.py [--seconds 10] [--rq-workers 2] [--smoke]
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from harness import BIN, ROOT, Row, arguments, free_port, migrated_app, postgres_database, report
from intake import REDIS_URL, load_with_python, load_with_wrk


@contextmanager
def procfile(url: str, cores: str, web_workers: int, rq_workers: int) -> Iterator[int]:
    """`honcho start` of the Procfile on `cores`, until the block ends; yields the web port."""
    port = free_port()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HOTLINE_DATABASE_URL": url,
           "HOTLINE_REDIS_URL": REDIS_URL, "HOTLINE_SECRET_KEY": "bench", "HOTLINE_INSTANCE_PATH": tempfile.mkdtemp(),
           "HOTLINE_WEB_WORKERS": str(web_workers), "HOTLINE_BIND": f"127.0.0.1:{port}"}  # fmt: skip
    proc = subprocess.Popen(
        ["taskset", "-c", cores, str(BIN / "honcho"), "start", "-c", f"worker={rq_workers}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        # Ready when the app answers, not when the port opens: on one core the web workers,
        # the RQ workers and the scheduler all boot at once.
        deadline = time.monotonic() + 120
        while not _answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError("the Procfile's web process did not start")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/v1/openapi.json")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return False
    return ok


def appeals_registered(app: object) -> int:
    from sqlalchemy import func, select

    from hotline.appeals.models import Appeal
    from hotline.core.extensions import db

    with app.app_context():  # type: ignore[attr-defined]
        registered = db.session.scalar(select(func.count()).select_from(Appeal)) or 0
        db.session.remove()
    return registered


def sms_sent(app: object) -> int:
    from sqlalchemy import func, select

    from hotline.core.extensions import db
    from hotline.notifications.models import SmsMessage

    with app.app_context():  # type: ignore[attr-defined]
        sent = db.session.scalar(select(func.count()).select_from(SmsMessage)) or 0
        db.session.remove()
    return sent


def main() -> None:
    args = arguments(__doc__, seconds=10, rq_workers=2)
    use_wrk = shutil.which("wrk") is not None and not args.smoke
    runs = [("0", 2)] if args.smoke else [("0", 2), ("0,1", 4)]
    rows: list[Row] = []
    rates: list[float] = []
    with postgres_database() as url:
        app = migrated_app(url, HOTLINE_REDIS_URL=REDIS_URL)
        with app.app_context():
            from sqlalchemy import select

            from hotline.auth.models import User
            from hotline.auth.operations import issue_token
            from hotline.core.extensions import db

            token, _ = issue_token(db.session.scalars(select(User).where(User.username == "operator")).one())
            db.session.remove()
        headers = {"Authorization": f"Bearer {token}"}
        for cores, web_workers in runs:
            with procfile(url, cores, web_workers, args.rq_workers) as port:
                if use_wrk:
                    load_with_wrk(port, "/api/v1/appeals", headers, 2, 2 * web_workers)
                    result = load_with_wrk(port, "/api/v1/appeals", headers, args.seconds, 2 * web_workers)
                else:
                    result = load_with_python(port, "/api/v1/appeals", headers, args.seconds, 4, limit=40)
                # The RQ workers catch up with the receipts (bounded: a lost job fails the run).
                deadline = time.monotonic() + 120
                while (sent := sms_sent(app)) != (registered := appeals_registered(app)):
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
            rates.append(result["rate"])
            label = f"{len(cores.split(','))} core{'s' if ',' in cores else ''}, {web_workers} web workers"
            rows.append(Row(f"intake through the Procfile, {label}",
                            f"{result['rate']:,.0f}/s, p99 {result['p99']:.0f} ms",
                            f"{args.rq_workers} RQ workers, 1 scheduler", result["failed"] == 0))  # fmt: skip
            rows.append(Row(f"receipt SMS sent by the RQ workers ({label})", f"{sent:,} of {registered:,}",
                            "all", sent == registered))  # fmt: skip
        if len(rates) == 2:
            rows.append(Row("two cores against one", f"{rates[1] / rates[0]:.2f}×", "> 1.3× (follows the cores)",
                            rates[1] / rates[0] > 1.3))  # fmt: skip
        with app.app_context():
            db.engine.dispose()
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    report("Scale-out: the Procfile set-up (honcho, gunicorn, RQ, scheduler) on PostgreSQL and Redis", rows,
           smoke=args.smoke)  # fmt: skip


if __name__ == "__main__":
    main()
