"""Two people act on one appeal at the same moment: exactly one succeeds, the other gets 409.
Each side has its own application context, session and database connection."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from sqlalchemy import event, func, select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.errors import AppError
from hotline.core.extensions import db
from tests.helpers import STREET, appeal_data


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _handling_appeal(app) -> tuple[int, int]:
    with app.app_context():
        appeal = create_appeal(appeal_data(), _user("operator"))
        street = db.session.scalar(select(User).where(User.username == f"u{STREET}")).unit_id
        appeal = perform(appeal.id, "dispatch", {"unit_id": street}, _user("dispatcher"))
        appeal = perform(appeal.id, "sign", {}, _user(f"u{STREET}"))
        return appeal.id, appeal.version


def _race(app, appeal_id: int, attempts: list[tuple[str, str, dict]], before_write=None) -> list:
    """Run each (user, action, body) in its own thread, released together."""
    start = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)

    def attempt(i: int, username: str, action: str, body: dict) -> None:
        with app.app_context():
            user = _user(username)
            if before_write:
                before_write(db.session)
            start.wait()
            try:
                results[i] = perform(appeal_id, action, body, user).state
            except AppError as exc:
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _one_won(results) -> None:
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, AppError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].status == 409


def test_two_supervisors_on_the_version_they_saw(app):
    """Both saw version v and escalate: a yellow and a red card cannot both land."""
    appeal_id, version = _handling_appeal(app)
    results = _race(
        app,
        appeal_id,
        [
            ("supervisor", "supervise", {"level": "yellow", "note": "甲", "version": version}),
            (f"u{STREET[:6]}", "supervise", {"level": "red", "note": "乙", "version": version}),
        ],
    )
    _one_won(results)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AppealEvent)
                .where(AppealEvent.appeal_id == appeal_id, AppealEvent.action == "supervise")
            )
            == 1
        )
        assert db.session.get(Appeal, appeal_id).version == version + 1


def test_same_reply_twice_at_once(app):
    appeal_id, _ = _handling_appeal(app)
    body = {"result": "已处理", "resolved": "解决"}
    _one_won(_race(app, appeal_id, [(f"u{STREET}", "reply", body), (f"u{STREET}", "reply", body)]))
    with app.app_context():
        assert [e.action for e in db.session.get(Appeal, appeal_id).events].count("reply") == 1


@pytest.mark.postgres
def test_both_read_before_either_writes(postgres_app):
    """On PostgreSQL both transactions load the same version before either writes; the
    optimistic lock lets exactly one UPDATE through. (SQLite writers queue on BEGIN
    IMMEDIATE instead, so this interleaving cannot happen there.)"""
    app = postgres_app
    appeal_id, _ = _handling_appeal(app)
    loaded = threading.Barrier(2)
    waited: set[int] = set()

    def hold_until_both_loaded(scoped):
        # On this thread's Session object: a listener on the scoped_session would apply to
        # every session the extension ever makes.
        @event.listens_for(scoped(), "before_flush")
        def _wait(sess, _ctx, _instances):
            if threading.get_ident() not in waited:  # once per thread
                waited.add(threading.get_ident())
                loaded.wait()

    results = _race(
        app,
        appeal_id,
        [
            ("supervisor", "supervise", {"level": "yellow", "note": "甲"}),
            (f"u{STREET[:6]}", "supervise", {"level": "red", "note": "乙"}),
        ],
        before_write=hold_until_both_loaded,
    )
    _one_won(results)
    assert any("已被他人更新" in r.message for r in results if isinstance(r, AppError))


def test_numbers_are_unique_under_concurrent_intake(app):
    threads, numbers, errors = [], [], []
    start = threading.Barrier(6)

    def intake():
        with app.app_context():
            operator = _user("operator")
            start.wait()
            try:
                numbers.append(create_appeal(appeal_data(), operator).number)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    for _ in range(6):
        threads.append(threading.Thread(target=intake))
        threads[-1].start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(numbers)) == 6 and sorted(int(n[-6:]) for n in numbers) == [1, 2, 3, 4, 5, 6]


def test_requests_go_on_after_the_server_drops_pooled_connections(postgres_app, monkeypatch):
    """A database restart or failover ends every pooled connection. The pool pings a
    connection that has been idle before handing it out again and replaces a dead one, so
    the next request still succeeds (without a ping at every checkout, which cost an intake
    three round trips)."""
    from sqlalchemy import text

    from hotline.core import db as core_db
    from tests.helpers import ApiClient

    api = ApiClient(postgres_app)
    api.create()
    with postgres_app.app_context():
        # An hour later, and every look at the clock finds another minute gone.
        minutes = itertools.count(start=time.monotonic() + 3600, step=60.0)
        monkeypatch.setattr(core_db, "_idle_clock", lambda: next(minutes))
        with db.engine.connect() as admin:
            dropped = admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
    assert dropped >= 1
    again = api.create()
    assert again["state"] == "accepted"
