"""Fixtures: an app on a migrated database holding the demo organisation, on SQLite and
on PostgreSQL. With CI=true an unreachable PostgreSQL (or Redis, or Chromium) fails the
run instead of skipping."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hotline.app import create_app
from hotline.core.extensions import db

REQUIRED = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FAST_PASSWORDS = "pbkdf2:sha256:1000"
PASSWORD = "test-password"


def unavailable(what: str, reason: object):
    if REQUIRED:
        pytest.fail(f"{what} is required (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable: {reason}")


def make_app(url: str, instance: Path, **extra):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "test-secret",
            "HOTLINE_PASSWORD_METHOD": FAST_PASSWORDS,
            "HOTLINE_DEMO_PASSWORD": PASSWORD,
            "TESTING": True,
            # The test client and the live server speak plain http.
            "SESSION_COOKIE_SECURE": False,
            # Tests file many reports from one address; tests/test_rate_limits.py turns them on.
            "HOTLINE_RATE_LIMITS_ENABLED": False,
            # Every rated appeal waits for a person's 监督, as the tests of the loop expect;
            # tests/test_audit_sampling.py draws and passes them.
            "HOTLINE_AUDIT_SHARE": 1.0,
            # Each commit hands its outbox rows over at once; tests/test_rq.py gathers them.
            "HOTLINE_OUTBOX_HANDOVER_WINDOW": 0.0,
            **extra,
        }
    )


def migrate_and_load(app) -> None:
    from flask_migrate import upgrade

    from hotline.demo import load_reference

    with app.app_context():
        upgrade()
        load_reference(PASSWORD)
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file with the demo organisation, copied for every test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "hotline.sqlite3"
    migrate_and_load(make_app(f"sqlite:///{path}", folder))
    return path


@contextmanager
def empty_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL server, dropped afterwards."""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        conn = admin.connect()
    except Exception as exc:  # any failure to connect means "not there"
        unavailable("PostgreSQL", exc)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn.execute(text(f'CREATE DATABASE "{name}"'))
    # The tests commit thousands of times: waiting for each to reach the disk is what a
    # test does not need (a crash loses the last commits, never consistency).
    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.close()
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A database of its own on the PostgreSQL server, dropped at the end."""
    with empty_postgres("hotline_test") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_migrated(postgres_url, tmp_path_factory) -> str:
    from flask_migrate import upgrade

    app = make_app(postgres_url, tmp_path_factory.mktemp("pg"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return postgres_url


def _fresh_postgres(url: str, instance: Path):
    """Empty every table, then load what migrations seed and the demo organisation again."""
    from sqlalchemy import insert

    from hotline.appeals.models import SlaPolicy
    from hotline.appeals.sla_defaults import default_rows
    from hotline.demo import load_reference
    from hotline.notifications.models import MessageTemplate
    from hotline.notifications.sms_defaults import TEMPLATES

    app = make_app(url, instance)
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            conn.execute(insert(SlaPolicy), default_rows())
            conn.execute(insert(MessageTemplate), [{"key": k, "name": n, "body": b} for k, (n, b) in TEMPLATES.items()])
        load_reference(PASSWORD)
    return app


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    shutil.copy(sqlite_template, tmp_path / "hotline.sqlite3")
    app = make_app(f"sqlite:///{tmp_path / 'hotline.sqlite3'}", tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def postgres_app(postgres_migrated, tmp_path):
    app = _fresh_postgres(postgres_migrated, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request):
    """The app on each database the suite runs against."""
    return request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "postgres_app")


@pytest.fixture
def ctx(app):
    """An application context on `app`, for calling operations directly."""
    with app.app_context():
        yield app


@pytest.fixture
def api(app):
    from tests.helpers import ApiClient

    return ApiClient(app)


CHROMIUM = os.environ.get("HOTLINE_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (`playwright install` cannot download here)."""
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(sqlite_app):
    """The app served on a free local port for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, sqlite_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


# Database 15, or one per pytest-xdist worker below it (each worker empties its own).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER}")


@pytest.fixture
def redis_url():
    """The Redis server (database 15, emptied before and after each test)."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisError as exc:
        unavailable("Redis", exc)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()
