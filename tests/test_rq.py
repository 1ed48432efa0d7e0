"""The outbox with Redis and real RQ workers (separate processes): nothing is handed over
before the transaction commits, a burst of new rows waits for one drain job, a row handed
over twice is carried out once, and a worker killed with SIGKILL in the middle of sending
an SMS leaves a job that runs again, with the SMS delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from config import PROJECT_ROOT
from hotline.core.clock import now
from hotline.core.db import write_transaction
from hotline.core.extensions import db
from hotline.notifications.models import SmsMessage
from hotline.outbox import operations as outbox
from hotline.outbox.models import OutboxMessage
from tests.conftest import make_app
from tests.fake_sms_gateway import FakeGateway
from tests.helpers import ApiClient

pytestmark = pytest.mark.redis
QUEUE = "hotline-test"


@pytest.fixture
def redis_app(app, redis_url, tmp_path):
    """The same database as `app`, with jobs going through Redis to workers."""

    def build(**extra):
        return make_app(
            app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, HOTLINE_REDIS_URL=redis_url, HOTLINE_QUEUE=QUEUE, **extra
        )

    return build


def queued(redis_url) -> list[str]:
    return Queue(QUEUE, connection=Redis.from_url(redis_url)).job_ids


def queued_functions(redis_url) -> list[str]:
    return [job.func_name for job in Queue(QUEUE, connection=Redis.from_url(redis_url)).jobs]


def on_drain_list(redis_url) -> list[int]:
    return [int(i) for i in Redis.from_url(redis_url).lrange(f"{QUEUE}:outbox-new", 0, -1)]


def start_worker(app, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HOTLINE_REDIS_URL": app.config["HOTLINE_REDIS_URL"],
        "HOTLINE_QUEUE": QUEUE,
        "HOTLINE_INSTANCE_PATH": str(app.instance_path),
        "HOTLINE_SECRET_KEY": "test-secret",
        "HOTLINE_SMS_PROVIDER": app.config["HOTLINE_SMS_PROVIDER"],
        "HOTLINE_SMS_GATEWAY_URL": app.config.get("HOTLINE_SMS_GATEWAY_URL") or "",
        "HOTLINE_SMS_TIMEOUT_SECONDS": "30",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_nothing_is_enqueued_before_commit(redis_app, redis_url):
    # Outside a request (a job, the scheduler) each commit hands its rows over at once,
    # whatever the web processes' window.
    app = redis_app(HOTLINE_OUTBOX_HANDOVER_WINDOW=3600.0)
    with app.app_context():
        with write_transaction(db.session):
            message = outbox.add("sms.send", {"template": "sms.accepted", "phone": "13900000000", "text": "测试"})
            db.session.flush()
            assert queued(redis_url) == [] and on_drain_list(redis_url) == []  # still inside the transaction
        assert on_drain_list(redis_url) == [message.id]
        assert queued_functions(redis_url) == [outbox.DRAIN_FUNCTION]
        # Handed over by the process that committed it, with no claim round trip: the row
        # waits as pending for the drain, and a relay now finds nothing to hand out again.
        assert db.session.get(OutboxMessage, message.id).status == "pending"
        assert outbox.relay().enqueued == 0
        with pytest.raises(RuntimeError), write_transaction(db.session):
            outbox.add("sms.send", {"template": "sms.accepted", "phone": "13900000001", "text": "回滚"})
            raise RuntimeError("rolled back")
        assert on_drain_list(redis_url) == [message.id]  # the rolled-back one never arrives
        with write_transaction(db.session):
            second = outbox.add("sms.send", {"template": "sms.accepted", "phone": "13900000002", "text": "测试"})
        # A drain is already waiting: the second row joins the list, no second job.
        assert on_drain_list(redis_url) == [message.id, second.id]
        assert queued_functions(redis_url) == [outbox.DRAIN_FUNCTION]


def test_one_drain_job_sends_a_burst_and_a_new_row_wakes_another(redis_app, redis_url):
    app = redis_app()
    client = ApiClient(app)
    made = [client.create()["id"] for _ in range(outbox.DRAIN_BATCH + 3)]
    assert queued_functions(redis_url) == [outbox.DRAIN_FUNCTION]
    worker = start_worker(app, "--burst")
    assert worker.wait(timeout=120) == 0, worker.stdout.read().decode()
    assert sorted(m.appeal_id for m in _sms(app)) == sorted(made)  # every receipt, once
    assert on_drain_list(redis_url) == []
    later = client.create()["id"]  # the drain that ran took its flag down: a new row wakes a new one
    assert queued_functions(redis_url) == [outbox.DRAIN_FUNCTION]
    worker = start_worker(app, "--burst")
    assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    assert later in {m.appeal_id for m in _sms(app)}


def outbox_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def test_a_busy_web_process_hands_over_its_requests_rows_together(redis_app, redis_url):
    app = redis_app(HOTLINE_OUTBOX_HANDOVER_WINDOW=3600.0)  # the flusher waits: the test pushes
    client = ApiClient(app)
    made = [client.create()["id"]]
    [first] = outbox_ids(app)
    assert on_drain_list(redis_url) == [first]  # the first after a quiet spell goes at once
    made += [client.create()["id"] for _ in range(3)]
    # Within the window the receipts wait in the process: no Redis round trip per request.
    assert on_drain_list(redis_url) == [first]
    outbox._Handover.of(app).flush()
    assert on_drain_list(redis_url) == outbox_ids(app) and len(outbox_ids(app)) == 4
    assert queued_functions(redis_url) == [outbox.DRAIN_FUNCTION]
    worker = start_worker(app, "--burst")
    assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    assert sorted(m.appeal_id for m in _sms(app)) == sorted(made)  # every receipt, once


def test_rows_gathered_in_the_window_go_when_it_ends(redis_app, redis_url):
    app = redis_app(HOTLINE_OUTBOX_HANDOVER_WINDOW=3.0)  # long enough for the second intake
    client = ApiClient(app)
    client.create()
    handover = outbox._Handover.of(app)
    handover.flushed.clear()
    client.create()
    assert len(on_drain_list(redis_url)) == 1  # the second waits for the window's end
    assert handover.flushed.wait(timeout=30), "the flusher never pushed the rows it held"
    assert on_drain_list(redis_url) == outbox_ids(app) and len(outbox_ids(app)) == 2


def test_a_row_handed_over_twice_is_carried_out_once(redis_app, redis_url):
    app = redis_app()
    appeal = ApiClient(app).create()
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert on_drain_list(redis_url) == [row.id]
        assert outbox.relay().enqueued == 0  # within its grace: no relay takes it
        assert outbox._enqueue(row.id, stale=False)  # forced: now a job of its own as well
        assert outbox._enqueue(row.id, stale=False)  # and again: RQ refuses the duplicate id
        assert queued(redis_url)[1:] == [f"outbox-{row.id}"]
    worker = start_worker(app, "--burst")
    assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    [message] = [m for m in _sms(app) if m.appeal_id == appeal["id"]]
    assert message.template == "sms.accepted"
    with app.app_context():
        assert db.session.get(OutboxMessage, row.id).status == "done"


def _sms(app) -> list[SmsMessage]:
    with app.app_context():
        return list(db.session.scalars(select(SmsMessage)))


def test_a_worker_killed_mid_job_leaves_a_job_that_runs_again_once(redis_app, redis_url):
    with FakeGateway(["hold", "ok"]) as gateway:
        app = redis_app(HOTLINE_SMS_PROVIDER="http", HOTLINE_SMS_GATEWAY_URL=gateway.url)
        ApiClient(app).create()
        with app.app_context():
            [row] = db.session.scalars(select(OutboxMessage)).all()
        worker = start_worker(app)
        assert gateway.got_request.wait(timeout=60), "the worker never called the gateway"
        worker.send_signal(signal.SIGKILL)  # in the middle of the job: the request is still open
        worker.wait(timeout=30)
        with app.app_context():
            db.session.expire_all()
            stuck = db.session.get(OutboxMessage, row.id)
            assert (stuck.status, stuck.attempts) == ("running", 1)
            assert outbox.relay().enqueued == 0  # its lease has not run out: it might be alive
            report = outbox.relay(at=now() + outbox.LEASE + timedelta(seconds=1))  # now it is dead
            assert report.enqueued == 1 and queued(redis_url) == [f"outbox-{row.id}"]
        gateway.release.set()
        second = start_worker(app, "--burst")
        assert second.wait(timeout=60) == 0, second.stdout.read().decode()
        with app.app_context():
            db.session.expire_all()
            done = db.session.get(OutboxMessage, row.id)
            assert (done.status, done.attempts) == ("done", 2)
        assert gateway.received == [f"hotline-{row.id}"] * 2
        assert gateway.delivered == {f"hotline-{row.id}": 1}  # the citizen got one SMS
        assert len(_sms(app)) == 1


def test_redis_down_leaves_the_row_for_the_next_relay(app, tmp_path):
    down = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, HOTLINE_REDIS_URL="redis://127.0.0.1:1/0", HOTLINE_QUEUE=QUEUE
    )
    appeal = ApiClient(down).create()  # the change commits; the SMS waits
    assert appeal["state"] == "accepted"
    with down.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.status == "pending"
