"""Web worker memory: one gunicorn sync worker on PostgreSQL serves a day's mix of requests
(lists, appeal pages, the dashboard, intakes, actions) and its resident memory is read after
10,000 and after 50,000 of them.

Targets (issue 11): ≤ 150 MB after 10,000 requests; no growth from 10,000 to 50,000 (what
a worker holds must be bounded caches, not a leak).

    .venv/bin/python bench/memory.py [--requests 50000] [--first 10000] [--smoke]
"""

from __future__ import annotations

import http.client
import json
from itertools import cycle

from harness import Row, arguments, gunicorn, migrated_app, postgres_database, report, rss_mb, worker_pids
from intake import BODY, REDIS_URL

LIMIT_MB = 150.0
# Growth from the first reading to the last that still counts as flat: the allocator's
# arenas move by a few pages whatever the program does.
FLAT_MB = 3.0


def main() -> None:
    args = arguments(__doc__, requests=50_000, first=10_000)
    if args.smoke:
        args.requests, args.first = 300, 100
    with postgres_database() as url:
        app = migrated_app(url, HOTLINE_REDIS_URL=REDIS_URL)
        with app.app_context():
            from sqlalchemy import select

            from hotline.auth.models import User
            from hotline.auth.operations import issue_token
            from hotline.core.extensions import db

            tokens = {
                name: issue_token(db.session.scalars(select(User).where(User.username == name)).one())[0]
                for name in ("operator", "supervisor", "u210102001")
            }
            street = db.session.scalars(select(User).where(User.username == "u210102001")).one().unit_id
            db.session.remove()
            db.engine.dispose()

        with gunicorn("wsgi:app", url, 1, HOTLINE_REDIS_URL=REDIS_URL) as served:
            [worker] = worker_pids(served.pid)
            client = Client(served.port, tokens)
            readings: dict[int, float] = {}
            mix = cycle(day_of_work(client, street))
            for sent in range(1, args.requests + 1):
                next(mix)()
                if sent in (args.first, args.requests):
                    readings[sent] = rss_mb(worker)
        first, last = readings[args.first], readings[args.requests]
        rows = [
            Row(f"worker RSS after {args.first:,} requests", f"{first:.0f} MB", f"≤ {LIMIT_MB:.0f} MB",
                first <= LIMIT_MB),
            Row(f"growth from {args.first:,} to {args.requests:,} requests", f"{last - first:+.1f} MB",
                f"≤ {FLAT_MB:.0f} MB (flat)", last - first <= FLAT_MB),
            Row("requests answered with an error", str(client.errors), "0", client.errors == 0),
        ]  # fmt: skip
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    report("Web worker memory (one gunicorn sync worker, PostgreSQL)", rows, smoke=args.smoke)


class Client:
    def __init__(self, port: int, tokens: dict[str, str]):
        self.port, self.tokens, self.errors = port, tokens, 0
        self.latest: dict = {}

    def call(self, method: str, path: str, user: str, body: dict | None = None) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        conn.request(method, path, data, headers)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        if resp.status >= 400:
            self.errors += 1
            return {}
        return json.loads(payload) if payload else {}


def day_of_work(client: Client, street: int) -> list:
    """One round of what a centre's desks ask for: mostly reading, some registering and acting."""

    def register() -> None:
        client.latest = client.call("POST", "/api/v1/appeals", "operator", BODY)

    def dispatch() -> None:
        client.call("POST", f"/api/v1/appeals/{client.latest['id']}/actions/dispatch", "operator", {"unit_id": street})

    def sign() -> None:
        client.call("POST", f"/api/v1/appeals/{client.latest['id']}/actions/sign", "u210102001", {})

    return [
        register,
        lambda: client.call("GET", "/api/v1/appeals", "operator"),
        lambda: client.call("GET", f"/api/v1/appeals/{client.latest['id']}", "operator"),
        dispatch,
        lambda: client.call("GET", "/api/v1/appeals?state=dispatched", "u210102001"),
        sign,
        lambda: client.call("GET", "/api/v1/dashboard", "supervisor"),
        lambda: client.call("GET", f"/api/v1/appeals/{client.latest['id']}", "u210102001"),
        lambda: client.call("GET", "/api/v1/appeals?overdue=true", "supervisor"),
        lambda: client.call("GET", "/api/v1/metrics", "supervisor"),
    ]


if __name__ == "__main__":
    main()
