"""The transactional outbox.

`add()` writes a side effect as a row in the caller's transaction. After that transaction
commits, the process hands the new rows over: it pushes their ids on a Redis list and,
unless a drain job is already waiting, enqueues one (`drain`: a worker takes the ids off
the list in batches and runs them); without HOTLINE_REDIS_URL it runs them inline. A web
process pushes the first rows after a quiet spell at once and those its requests commit
within the next HOTLINE_OUTBOX_HANDOVER_WINDOW together, from a thread of its own
(`_Handover`): under load one Redis round trip serves many requests instead of one each.
The scheduler relays
every few seconds as the safety net: relaying claims a row (one conditional UPDATE, so two
relays never both take it) and hands it to RQ with job_id "outbox-<id>" and unique=True (a
duplicate enqueue is impossible).

A rolled-back transaction leaves no row, so nothing is sent. A job that fails is retried
with backoff; after MAX_ATTEMPTS it is `failed` and an administrator can retry it. A job
whose worker died is found by its expired lease and handed out again; the handlers are
idempotent, so the effect still happens once."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask import Flask, current_app, has_request_context
from sqlalchemy import Select, and_, or_, select, update

from hotline.core import audit
from hotline.core.clock import now
from hotline.core.db import (
    affected,
    after_commit,
    insert_as_loaded,
    take_transaction_list,
    transaction_list,
    write_transaction,
)
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor, holding
from hotline.outbox.models import OutboxMessage

log = logging.getLogger("hotline.outbox")

LEASE = timedelta(minutes=5)
# How long a new row waits for the process that wrote it to hand it over.
HANDOVER_GRACE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)
BATCH = 200
JOB_FUNCTION = "hotline.worker.perform_outbox"
DRAIN_FUNCTION = "hotline.worker.drain_outbox"
# How many new rows a drain job takes off the list at a time; when it takes a full batch it
# wakes another drain, so that every worker helps with a burst.
DRAIN_BATCH = 50
# A drain job that was enqueued but lost (Redis emptied) stops blocking new ones after this;
# its rows are relayed after the grace meanwhile.
DRAIN_WAKE_TTL = timedelta(minutes=1)

# What each kind of side effect runs: "module:function(outbox_id, payload)". Each handler
# is idempotent and marks its row done (complete()) in the transaction of its effect.
HANDLERS = {
    "sms.send": "hotline.notifications.sms:send_job",
    "attachment.thumbnail": "hotline.appeals.attachments.operations:thumbnail_job",
}


class PermanentFailure(Exception):
    """A job that retrying cannot mend (a broken template): it fails at once, with its
    error, for an administrator to see, fix the cause of and retry."""


_NEW = "outbox.new"  # the rows this transaction added


def add(kind: str, payload: dict) -> OutboxMessage:
    """Record a side effect in the current transaction; handed over once it commits."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    at = now()
    # The process that commits it hands it over at once (no claim, no read); should it die
    # first, the relay finds the row due after the grace.
    message = OutboxMessage(kind=kind, payload=payload, status="pending", next_attempt_at=at + HANDOVER_GRACE,
                            created_at=at)  # fmt: skip
    insert_as_loaded(db.session, message)
    transaction_list(db.session, _NEW).append(message)
    after_commit(db.session, _hand_over_new)
    return message


def _hand_over_new() -> None:
    """After the commit: put the new rows on the drain list (a request's within its
    process's hand-over window) or, without Redis, run them here."""
    ids = [m.id for m in take_transaction_list(db.session, _NEW)]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["HOTLINE_REDIS_URL"]:
        for outbox_id in ids:
            run(outbox_id)
        return
    if has_request_context() and app.config["HOTLINE_OUTBOX_HANDOVER_WINDOW"] > 0:
        ids = _Handover.of(app).add(ids)
    if ids:
        _push(ids)


def _push(ids: list[int]) -> None:
    from redis.exceptions import RedisError

    try:
        _announce(ids)
    except RedisError as exc:  # the rows are pending: the relay hands them out after the grace
        log.warning("outbox %s: Redis unreachable (%s); the relay hands them out later", ids, exc)


class _Handover:
    """The new rows a web process's requests committed, waiting to be pushed together.

    The first after a quiet spell go at once, in the request; those committed within the
    window after a push wait for the process's flusher thread, which pushes them all when
    the window ends. So a request waits for Redis only when the process is quiet, a row
    waits at most one window, and rows left here by a process that dies are relayed after
    the hand-over grace. One per app and process (a forked process starts afresh)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.window = app.config["HOTLINE_OUTBOX_HANDOVER_WINDOW"]
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.ids: list[int] = []
        self.pushed_at = float("-inf")
        self.due = threading.Event()  # rows wait for the flusher
        self.flushed = threading.Event()  # the flusher has pushed what it took (for tests)
        self.flusher: threading.Thread | None = None

    @classmethod
    def of(cls, app: Flask) -> _Handover:
        handover = app.extensions.get("hotline.outbox.handover")
        if handover is None or handover.pid != os.getpid():
            handover = app.extensions["hotline.outbox.handover"] = cls(app)
        return handover

    def add(self, ids: list[int]) -> list[int]:
        """Keep `ids`; return what to push now (nothing while the last push is recent)."""
        with self.lock:
            self.ids += ids
            if time.monotonic() - self.pushed_at >= self.window:
                return self._take()
            if self.flusher is None:
                self.flusher = threading.Thread(target=self._flush_after, daemon=True, name="outbox-handover")
                self.flusher.start()
                atexit.register(self.flush)  # a worker that stops pushes what it holds
            self.due.set()
            return []

    def _take(self) -> list[int]:
        ids, self.ids, self.pushed_at = self.ids, [], time.monotonic()
        return ids

    def flush(self) -> None:
        """Push what waits, now."""
        with self.lock:
            ids = self._take() if self.ids else []
        if ids:
            with self.app.app_context():
                _push(ids)

    def _flush_after(self) -> None:
        while True:
            self.due.wait()
            self.due.clear()
            time.sleep(max(0.0, self.pushed_at + self.window - time.monotonic()))
            try:
                self.flush()
            except Exception:  # the thread must outlive a failure; the relay takes the rows after the grace
                log.exception("outbox hand-over failed")
            self.flushed.set()


def _keys() -> tuple[str, str]:
    """The drain list and the flag saying a drain job is waiting, named after the queue."""
    name = current_app.config["HOTLINE_QUEUE"]
    return f"{name}:outbox-new", f"{name}:outbox-drain-waiting"


def _announce(ids: list[int]) -> None:
    """Push `ids` on the drain list and make sure a drain job is waiting (one round trip
    when one already is)."""
    new, waiting = _keys()
    q = queue()
    pipe = q.connection.pipeline(transaction=False)
    if ids:
        pipe.rpush(new, *ids)
    pipe.set(waiting, 1, nx=True, ex=int(DRAIN_WAKE_TTL.total_seconds()))
    if pipe.execute()[-1]:
        q.enqueue_call(DRAIN_FUNCTION, result_ttl=0, failure_ttl=7 * 24 * 3600, timeout=int(LEASE.total_seconds()))


def drain() -> int:
    """What a drain job runs: one batch off the drain list. Returns how many rows it ran.
    The flag goes first, so a row pushed from now on wakes another drain; a full batch wakes
    one too (more may wait), so a burst is shared by every free worker in short jobs."""
    new, waiting = _keys()
    connection = queue().connection
    connection.delete(waiting)
    ids = connection.lpop(new, DRAIN_BATCH) or []
    if len(ids) == DRAIN_BATCH:
        _announce([])
    return sum(run(int(outbox_id), only_new=True) != "skipped" for outbox_id in ids)


def complete(outbox_id: int) -> None:
    """Mark the row done, in the caller's transaction (with the effect it records)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status="done", done_at=now(), lease_until=None, last_error=None)
    )


def is_done(outbox_id: int) -> bool:
    return db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)) == "done"


# ------------------------------------------------------------------ relay


@dataclass
class RelayReport:
    enqueued: int = 0
    ran_inline: int = 0
    deferred: int = 0  # could not reach Redis; left for the next relay


def _due(at: datetime):
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= at),
        and_(OutboxMessage.status.in_(("enqueued", "running")), OutboxMessage.lease_until < at),
    )


def relay(*, ids: list[int] | None = None, at: datetime | None = None) -> RelayReport:
    at = at or now()
    report = RelayReport()
    stmt = select(OutboxMessage.id, OutboxMessage.status).where(_due(at)).order_by(OutboxMessage.id).limit(BATCH)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    for outbox_id, status in db.session.execute(stmt).all():
        if not _claim(outbox_id, at):
            continue  # another relay took it
        if current_app.config["HOTLINE_REDIS_URL"]:
            if _enqueue(outbox_id, stale=status != "pending"):
                report.enqueued += 1
            else:
                report.deferred += 1
        else:
            run(outbox_id)
            report.ran_inline += 1
    return report


def _claim(outbox_id: int, at: datetime) -> bool:
    with write_transaction(db.session):
        claimed = affected(
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id, _due(at))
                .values(status="enqueued", lease_until=at + LEASE)
            )
        )
    return claimed == 1


@cache
def _queue(url: str, name: str):
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(url))


def queue():
    return _queue(current_app.config["HOTLINE_REDIS_URL"], current_app.config["HOTLINE_QUEUE"])


def job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


def _enqueue(outbox_id: int, stale: bool) -> bool:
    from redis.exceptions import RedisError
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job

    q = queue()
    try:
        if stale:  # its worker died (the lease ran out): the old job is dead, hand it out again
            with contextlib.suppress(NoSuchJobError):
                Job.fetch(job_id(outbox_id), connection=q.connection).delete()
        q.enqueue_call(
            JOB_FUNCTION,
            args=(outbox_id,),
            job_id=job_id(outbox_id),
            unique=True,
            result_ttl=0,
            failure_ttl=7 * 24 * 3600,
            timeout=int(LEASE.total_seconds()),
        )
    except DuplicateJobError:
        return True  # already queued or running
    except RedisError as exc:
        log.warning("outbox %s: Redis unreachable (%s); the next relay tries again", outbox_id, exc)
        with write_transaction(db.session):
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(status="pending", lease_until=None)
            )
        return False
    return True


# ------------------------------------------------------------------ running


@cache
def handler(kind: str) -> Callable[[int, dict[str, Any]], None]:
    """The function that carries out side effects of `kind` (imported on first use)."""
    module, name = HANDLERS[kind].split(":")
    return cast(Callable[[int, dict[str, Any]], None], getattr(importlib.import_module(module), name))


def run(outbox_id: int, at: datetime | None = None, *, only_new: bool = False) -> str:
    """Carry out one row (in an RQ worker or inline). Returns what happened. `only_new`
    (a drain) leaves a row the relay has taken meanwhile to the relay's job."""
    at = at or now()
    with write_transaction(db.session):
        message = db.session.get(OutboxMessage, outbox_id, with_for_update=True)
        if message is None or message.status in ("done", "failed") or (only_new and message.status != "pending"):
            return "skipped"
        message.status, message.attempts, message.lease_until = "running", message.attempts + 1, at + LEASE
        kind, payload = message.kind, dict(message.payload)
    try:
        handler(kind)(outbox_id, payload)
    except Exception as exc:  # any failure is recorded and retried
        log.warning("outbox %s (%s) failed: %s", outbox_id, kind, exc)
        return _failed(outbox_id, exc, at)
    if not is_done(outbox_id):
        with write_transaction(db.session):
            complete(outbox_id)
    return "done"


def _failed(outbox_id: int, exc: Exception, at: datetime) -> str:
    with write_transaction(db.session):
        message = db.session.get_one(OutboxMessage, outbox_id)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.lease_until = None
        if message.attempts >= MAX_ATTEMPTS or isinstance(exc, PermanentFailure):
            message.status = "failed"
        else:
            message.status = "pending"
            message.next_attempt_at = at + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        return message.status


# ------------------------------------------------------------------ administration

MANAGE_JOBS = holding("admin", refusal="只有系统管理员可以查看和重试后台任务")


def listing(actor: Actor, status: str) -> Select[tuple[OutboxMessage]]:
    """The rows in `status`, newest first."""
    MANAGE_JOBS.require(actor)
    return select(OutboxMessage).where(OutboxMessage.status == status).order_by(OutboxMessage.id.desc())


def recent(actor: Actor, status: str, limit: int) -> list[OutboxMessage]:
    return list(db.session.scalars(listing(actor, status).limit(limit)))


def retry(outbox_id: int, actor: Actor) -> OutboxMessage:
    """An administrator gives a failed row a fresh set of attempts."""
    MANAGE_JOBS.require(actor)
    with write_transaction(db.session):
        message = db.session.get(OutboxMessage, outbox_id)
        if message is None:
            raise NotFound("没有这个任务")
        if message.status != "failed":
            raise Conflict(f"只有失败的任务可以重试（当前状态：{message.status}）")
        message.status, message.attempts, message.next_attempt_at = "pending", 0, now()
        audit.record(actor, "outbox", outbox_id, "retry", {"kind": message.kind, "last_error": message.last_error})
    relay(ids=[outbox_id])
    return db.session.get_one(OutboxMessage, outbox_id)
