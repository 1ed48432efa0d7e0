"""The scheduler: jobs declared as data, run in the app; web apps never start one."""

from __future__ import annotations

import threading

from sqlalchemy import select

from hotline.ledger.models import CampaignSnapshot
from hotline.scheduler import JOBS, _in_app, build


def test_jobs_are_scheduled_with_the_centre_timezone(sqlite_app):
    scheduler = build(sqlite_app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {
        "escalation-sweep",
        "pause-resume",
        "open-counts",
        "ledger-progress",
        "ledger-snapshot",
        "idempotency-purge",
        "outbox-relay",
        "assist-train",
        "assessment-rollup",
        "hot-spots",
        "activity-days",
    }
    assert str(jobs["open-counts"].trigger) == "interval[0:01:00]"
    assert str(jobs["ledger-progress"].trigger) == "interval[0:01:00]"
    assert str(jobs["outbox-relay"].trigger) == "interval[0:00:15]"
    assert str(jobs["escalation-sweep"].trigger) == "interval[0:01:00]"
    assert str(jobs["pause-resume"].trigger) == "interval[0:01:00]"
    assert "hour='0', minute='5'" in str(jobs["ledger-snapshot"].trigger)
    assert "hour='2', minute='40'" in str(jobs["assist-train"].trigger)
    assert str(scheduler.timezone) == "Asia/Shanghai"


def test_a_job_runs_inside_the_app(sqlite_app, caplog):
    sweep_job = next(j for j in JOBS if j.id == "escalation-sweep")
    with caplog.at_level("INFO", logger="hotline.scheduler"):
        _in_app(sqlite_app, sweep_job)()
    assert "job escalation-sweep: warned 0, yellow 0" in caplog.text


def test_the_pause_job_ends_the_pauses_whose_day_has_come(sqlite_app, caplog):
    from tests.helpers import ApiClient, pause_request

    api = ApiClient(sqlite_app)
    appeal = api.appeal_in("handling")
    api.act(appeal["id"], "request_pause", "u210102001", pause_request(days=1))
    api.act(appeal["id"], "approve_pause", "supervisor")
    job = next(j for j in JOBS if j.id == "pause-resume")
    with caplog.at_level("INFO", logger="hotline.scheduler"):
        _in_app(sqlite_app, job)()
    assert "job pause-resume: resumed 0 paused appeals" in caplog.text  # its day is tomorrow


def test_a_failing_job_is_logged_not_raised(sqlite_app, caplog):
    from hotline import scheduler

    job = scheduler.Job("broken", lambda: 1 / 0, "interval", {"minutes": 1})
    _in_app(sqlite_app, job)()
    assert "job broken failed" in caplog.text


def test_creating_the_app_starts_no_scheduler(sqlite_app):
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name or "apscheduler" in t.name.lower()]


def test_snapshot_job_writes_a_row_per_running_campaign(sqlite_app):
    from tests.helpers import ApiClient

    api = ApiClient(sqlite_app)
    api.post(
        "/api/v1/ledgers",
        "supervisor",
        json={
            "name": "万件清理",
            "batch": "第一批",
            "period_start": "2026-01-01",
            "period_end": "2030-12-31",
            "owner": "市12345中心",
        },
        expect=201,
    )
    _in_app(sqlite_app, next(j for j in JOBS if j.id == "ledger-snapshot"))()
    with sqlite_app.app_context():
        from hotline.core.extensions import db

        assert len(db.session.scalars(select(CampaignSnapshot)).all()) == 1
