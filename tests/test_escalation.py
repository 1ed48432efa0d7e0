"""The warning and 督办 ladder under time travel: warning at 2/3, yellow when overdue, red a
working day later, 通报 one level higher every five working days, never above the centre;
a second sweep at the same moment changes nothing; two sweeps at once do the work once."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from hotline.appeals.engine import perform
from hotline.appeals.escalation import sweep
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal, AppealEvent
from hotline.auth.models import User
from hotline.core.errors import Conflict
from hotline.core.extensions import db
from hotline.grid.models import Unit
from hotline.notifications.models import Notification
from hotline.notifications.operations import unread_count
from tests.helpers import SH, STREET, appeal_data

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def users() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(select(User))}


def dispatched(when: datetime = MONDAY, **fields) -> int:
    u = users()
    appeal = create_appeal(appeal_data(**fields), u["operator"], at=when)
    return perform(appeal.id, "dispatch", {"unit_id": u[f"u{STREET}"].unit_id}, u["dispatcher"], at=when).id


def events(appeal_id: int) -> list[tuple[str, str]]:
    return [
        (e.action, e.payload.get("level", ""))
        for e in db.session.scalars(
            select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id)
        )
    ]


def notices(unit_code: str, role: str | None = None) -> list[str]:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    stmt = select(Notification.title).where(Notification.unit_id == unit.id).order_by(Notification.id)
    if role:
        stmt = stmt.where(Notification.role == role)
    return list(db.session.scalars(stmt))


def test_the_whole_ladder(ctx):
    appeal_id = dispatched()
    appeal = db.session.get(Appeal, appeal_id)
    assert appeal.sign_due_at == at(2026, 11, 24, 23, 59, 59)

    assert sweep(at(2026, 11, 24, 9)).changed == 0  # before 2/3 of the interval

    report = sweep(at(2026, 11, 24, 12))
    assert (report.warned, report.yellow) == (1, 0)
    assert events(appeal_id)[-1] == ("warn", "")
    assert notices(STREET)[-1].startswith("临期预警")
    assert sweep(at(2026, 11, 24, 12)).changed == 0  # idempotent
    assert sweep(at(2026, 11, 24, 18)).changed == 0  # warned once per clock

    version = db.session.get(Appeal, appeal_id).version
    report = sweep(at(2026, 11, 25, 0, 30))  # sign overdue
    assert report.yellow == 1
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal_id)
    assert (appeal.state, appeal.supervision_level) == ("supervised", "yellow")
    assert appeal.escalated_to_unit.code == "210102"  # the level above the street
    assert appeal.version == version + 1
    assert appeal.next_escalation_at == at(2026, 11, 26, 23, 59, 59)  # + 1 working day
    last = db.session.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id.desc())
    ).first()
    assert (last.action, last.from_state, last.to_state, last.actor_id) == (
        "supervise",
        "dispatched",
        "supervised",
        None,
    )
    assert last.payload == {"level": "yellow", "auto": True, "reason": "签收超期"}
    assert notices(STREET)[-1] == "黄牌督办：车辆长期占用消防通道"
    assert notices("210102", "supervisor")[-1] == "下级黄牌督办：车辆长期占用消防通道"
    assert sweep(at(2026, 11, 25, 0, 30)).changed == 0

    assert sweep(at(2026, 11, 26, 12)).changed == 0  # the yellow card's day is not over
    assert sweep(at(2026, 11, 27, 9)).red == 1
    db.session.expire_all()
    assert db.session.get(Appeal, appeal_id).supervision_level == "red"
    assert notices("210100RX", "supervisor")[-1] == "下级红牌督办：车辆长期占用消防通道"

    assert sweep(at(2026, 12, 4, 12)).changed == 0  # five working days not yet up
    assert sweep(at(2026, 12, 5, 9)).escalated == 1  # 通报: district → city
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal_id)
    assert appeal.escalated_to_unit.code == "210100"
    assert notices("210100", "supervisor")[-1] == "通报：车辆长期占用消防通道"

    report = sweep(at(2026, 12, 12, 9))  # the city is the top: the ladder ends there
    assert report.escalated == 0
    db.session.expire_all()
    assert db.session.get(Appeal, appeal_id).next_escalation_at is None
    assert events(appeal_id) == [
        ("create", ""),
        ("dispatch", ""),
        ("warn", ""),
        ("supervise", "yellow"),
        ("supervise", "red"),
        ("escalate", ""),
    ]


def test_signing_and_replying_stop_the_ladder(ctx):
    u = users()
    appeal_id = dispatched()
    sweep(at(2026, 11, 25, 0, 30))  # yellow for the late signature
    perform(appeal_id, "sign", {}, u[f"u{STREET}"], at=at(2026, 11, 25, 9))
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal_id)
    assert appeal.state == "supervised" and appeal.sla_due_at == appeal.due_at == at(2026, 12, 7, 23, 59, 59)
    # Handling is on time now: no red card although a working day passed.
    assert sweep(at(2026, 11, 30, 9)).red == 0
    perform(appeal_id, "reply", {"result": "已清理", "resolved": "解决"}, u[f"u{STREET}"], at=at(2026, 11, 30, 10))
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal_id)
    # The card is closed; what runs now is the centre's 审核 (1 working day), which is only
    # reported to the centre's supervisors when late: no card, and the unit is not chased.
    assert appeal.supervision_level is None and appeal.next_escalation_at == appeal.review_due_at
    assert appeal.review_due_at == at(2026, 12, 1, 23, 59, 59)
    report = sweep(at(2026, 12, 31, 9))
    assert (report.yellow, report.red, report.escalated, report.reported) == (0, 0, 0, 1)
    assert sweep(at(2026, 12, 31, 9)).changed == 0


def test_overdue_handling_gets_a_yellow_card_and_extension_defers_red(ctx):
    u = users()
    appeal_id = dispatched()
    perform(appeal_id, "sign", {}, u[f"u{STREET}"], at=at(2026, 11, 23, 11))
    report = sweep(at(2026, 12, 8, 0, 5))  # 10 working days after Monday the 23rd
    assert report.yellow == 1
    last = db.session.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id.desc())
    ).first()
    assert last.from_state == "handling" and last.payload["reason"] == "办结超期"
    perform(
        appeal_id, "request_extension", {"working_days": 3, "reason": "协调中"}, u[f"u{STREET}"], at=at(2026, 12, 8, 9)
    )
    perform(appeal_id, "approve_extension", {}, u["supervisor"], at=at(2026, 12, 8, 10))
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal_id)
    assert appeal.due_at == at(2026, 12, 10, 23, 59, 59)  # the old due (12-07) + 3 working days
    assert appeal.next_escalation_at == appeal.due_at  # the ladder waits for the new deadline
    report = sweep(at(2026, 12, 10, 12))
    assert (report.red, report.warned) == (0, 1)  # no card; a warning about the new deadline
    assert sweep(at(2026, 12, 11, 0, 5)).red == 1  # overdue again after its yellow card's day


def test_urgent_ladder_runs_in_hours(ctx):
    appeal_id = dispatched(urgency="紧急")
    assert sweep(at(2026, 11, 23, 10, 21)).warned == 1  # 2/3 of 30 minutes
    assert sweep(at(2026, 11, 23, 10, 31)).yellow == 1
    assert sweep(at(2026, 11, 23, 12, 0)).changed == 0
    assert sweep(at(2026, 11, 23, 12, 32)).red == 1  # 2 hours after the yellow card
    db.session.expire_all()
    assert db.session.get(Appeal, appeal_id).supervision_level == "red"


def test_a_user_acting_on_what_the_sweep_just_changed_gets_409(ctx):
    u = users()
    appeal_id = dispatched()
    seen = db.session.get(Appeal, appeal_id).version
    sweep(at(2026, 11, 25, 0, 30))
    with pytest.raises(Conflict):
        perform(appeal_id, "sign", {"version": seen}, u[f"u{STREET}"], at=at(2026, 11, 25, 0, 31))


def test_unit_supervisors_see_the_notice_handlers_of_other_units_do_not(ctx):
    dispatched()
    sweep(at(2026, 11, 25, 0, 30))
    u = users()
    assert unread_count(u["u210102"]) == 1  # the district's supervisor
    assert unread_count(u["u210103"]) == 0
    assert unread_count(u[f"u{STREET}"]) == 2  # new dispatch + yellow card


def test_two_sweeps_at_once_do_the_work_once(app):
    with app.app_context():
        ids = [dispatched() for _ in range(5)]
    moment = at(2026, 11, 25, 0, 30)
    start = threading.Barrier(2)
    reports = []

    def run():
        with app.app_context():
            start.wait()
            reports.append(sweep(moment))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.yellow for r in reports) == [0, 5]  # one did it; the other was locked out or found nothing
    with app.app_context():
        cards = db.session.scalar(
            select(func.count())
            .select_from(AppealEvent)
            .where(AppealEvent.appeal_id.in_(ids), AppealEvent.action == "supervise")
        )
        assert cards == 5
        assert (
            db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.id.in_(ids), Appeal.version == 3))
            == 5
        )  # create, dispatch, one sweep


@pytest.mark.postgres
def test_the_sweep_plans_each_statement_for_its_moment_and_leaves_the_connection_as_it_was(postgres_app):
    """A statement psycopg prepares gets a plan for any value once it has run five times, and
    for "state = $1" that plan reads every open appeal of the state: an idle sweep, run every
    minute, then took seconds. None of the sweep's statements is prepared, however often it
    runs; the connection it used prepares the app's own statements again afterwards."""
    with postgres_app.app_context():
        due = dispatched()
        dispatched(at(2026, 11, 27, 10, 0))  # its clock still runs at the moment swept
        backend = db.session.scalar(select(func.pg_backend_pid()))
        db.session.commit()
        reports = [sweep(at(2026, 11, 25, 0, 30)) for _ in range(7)]
        assert [r.yellow for r in reports] == [1, 0, 0, 0, 0, 0, 0]
        assert db.session.get(Appeal, due).state == "supervised"
        assert db.session.scalar(select(func.pg_backend_pid())) == backend  # the same connection throughout
        prepared = db.session.scalars(select(text("statement")).select_from(text("pg_prepared_statements")))
        assert not [s for s in prepared if "UPDATE appeals" in s or "FROM appeals" in s]
        for _ in range(6):
            db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.state == "supervised"))
        prepared = db.session.scalars(select(text("statement")).select_from(text("pg_prepared_statements")))
        assert [s for s in prepared if "FROM appeals" in s]
