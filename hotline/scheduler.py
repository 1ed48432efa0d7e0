"""Periodic jobs, declared as data, and the schedulers that run them.

`flask --app wsgi scheduler` runs exactly one BlockingScheduler (the scale-out set-up);
`make run` starts a BackgroundScheduler inside its single process. Web workers never start
one. Every job is idempotent and the sweep takes a PostgreSQL advisory lock, so an
accidental second scheduler does no harm."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from hotline.appeals import assist
from hotline.appeals.activity import refresh_activity
from hotline.appeals.dashboard import refresh_open_counts
from hotline.appeals.engine import resume_due_pauses
from hotline.appeals.escalation import sweep
from hotline.core.clock import now
from hotline.core.idempotency import purge
from hotline.hotspots.operations import detect
from hotline.ledger.operations import enroll_topics
from hotline.ledger.progress import refresh_unit_progress, snapshot_all
from hotline.metrics.contributions import roll_up
from hotline.outbox.operations import relay

log = logging.getLogger("hotline.scheduler")


def _sweep() -> str:
    report = sweep()
    return (
        "skipped: another sweep holds the lock"
        if report.skipped
        else (
            f"warned {report.warned}, yellow {report.yellow}, red {report.red}, "
            f"escalated {report.escalated}, reported {report.reported}"
        )
    )


def _resume_pauses() -> str:
    return f"resumed {resume_due_pauses()} paused appeals"


def _open_counts() -> str:
    return f"open appeals counted for {refresh_open_counts(now())} holders"


def _assessment_rollup() -> str:
    return f"assessment summed again for {roll_up()} unit-days"


def _hot_spots() -> str:
    found = detect()
    return f"{found.flagged} hot spots in the week from {found.week}"


def _activity_days() -> str:
    return f"{refresh_activity(now())} unit-days of activity counted again"


def _ledger_snapshots() -> str:
    added = enroll_topics()  # 每月一题: the day's new appeals of each running topic join it
    return f"snapshots of {snapshot_all()} campaigns; {added} appeals joined their 每月一题"


def _ledger_progress() -> str:
    return f"progress of {refresh_unit_progress()} campaigns counted per unit"


def _outbox_relay() -> str:
    report = relay()
    return f"enqueued {report.enqueued}, ran inline {report.ran_inline}, deferred {report.deferred}"


def _train_assist() -> str:
    return str(assist.train())


def _forget_idempotency_keys() -> str:
    return f"forgot {purge()} idempotency keys"


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[], str]
    trigger: str
    schedule: dict = field(default_factory=dict)
    at_start: bool = False  # also once as the scheduler starts (a long interval's first run)


JOBS = [
    Job("escalation-sweep", _sweep, "interval", {"minutes": 1}),
    # 挂起 ends on its resume day, with the time that was left.
    Job("pause-resume", _resume_pauses, "interval", {"minutes": 1}),
    # The dashboard's counts (a view reads the live tables when these are missing or stale).
    Job("open-counts", _open_counts, "interval", {"minutes": 1}),
    # The centre's view of a campaign's progress (read live when these are missing or stale).
    Job("ledger-progress", _ledger_progress, "interval", {"minutes": 1}),
    # The assessment's daily sums (reads add what changed since, so figures are exact anyway).
    Job("assessment-rollup", _assessment_rollup, "interval", {"minutes": 1}),
    # The dashboard's 30-day trend (today is counted live).
    Job("activity-days", _activity_days, "interval", {"hours": 1}, at_start=True),
    # 未诉先办: the week just ended against the weeks before it.
    Job("hot-spots", _hot_spots, "cron", {"day_of_week": "mon", "hour": 0, "minute": 20}),
    Job("ledger-snapshot", _ledger_snapshots, "cron", {"hour": 0, "minute": 5}),
    Job("idempotency-purge", _forget_idempotency_keys, "cron", {"hour": 3, "minute": 30}),
    # 受理辅助 learns from the day's answered appeals.
    Job("assist-train", _train_assist, "cron", {"hour": 2, "minute": 40}),
    # The safety net of the outbox: what the web process could not hand out, retries, dead workers.
    Job("outbox-relay", _outbox_relay, "interval", {"seconds": 15}),
]


def _in_app(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                outcome = job.run()
            except Exception:  # a failed run is logged; the next one tries again
                log.exception("job %s failed", job.id)
            else:
                log.info("job %s: %s", job.id, outcome)

    return run


def build(app: Flask, kind: type = BackgroundScheduler):
    scheduler = kind(timezone=app.config["HOTLINE_TIMEZONE"])
    for job in JOBS:
        # One run at a time per job; runs missed while down collapse into one.
        scheduler.add_job(
            _in_app(app, job),
            job.trigger,
            id=job.id,
            name=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=300,
            **({"next_run_time": now()} if job.at_start else {}),
            **job.schedule,
        )
    return scheduler


def run_blocking(app: Flask) -> None:
    build(app, BlockingScheduler).start()
