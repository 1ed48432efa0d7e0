"""Working-day deadlines as 12345 rules count them, and the deadlines actions set."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.auth.models import User
from hotline.calendar.workdays import WorkCalendar
from hotline.core.errors import Conflict
from hotline.core.extensions import db
from tests.helpers import SH, STREET, appeal_data, local

CAL = WorkCalendar(SH)


def test_start_day_not_counted_and_due_at_end_of_day():
    # Monday 2026-11-23 10:00 + 1 working day → Tuesday 23:59:59 local.
    assert CAL.add_working_days(local(2026, 11, 23, 10), 1) == local(2026, 11, 24, 23, 59, 59)
    # Friday + 1 → Monday.
    assert CAL.add_working_days(local(2026, 11, 27, 18), 1) == local(2026, 11, 30, 23, 59, 59)


def test_national_day_2025_and_its_makeup_saturday():
    # 2025: 10-01..10-08 off (国庆+中秋); Saturday 10-11 is a make-up working day.
    assert CAL.describe(local(2025, 10, 11).date()) == (True, "调休上班")
    assert CAL.describe(local(2025, 9, 28).date()) == (True, "调休上班")  # a Sunday
    assert CAL.add_working_days(local(2025, 9, 30, 9), 1) == local(2025, 10, 9, 23, 59, 59)
    assert CAL.add_working_days(local(2025, 9, 30, 9), 3) == local(2025, 10, 11, 23, 59, 59)


def test_spring_festival_2026():
    working, reason = CAL.describe(local(2026, 2, 17).date())
    assert not working and reason == "春节"
    # Friday 2026-02-13 + 1 → Saturday 02-14 (make-up day); + 2 → Tuesday 02-24.
    assert CAL.add_working_days(local(2026, 2, 13, 15), 1) == local(2026, 2, 14, 23, 59, 59)
    assert CAL.add_working_days(local(2026, 2, 13, 15), 2) == local(2026, 2, 24, 23, 59, 59)


def test_dispatch_sets_deadlines_counted_from_dispatch(ctx):
    users = {u.username: u for u in db.session.scalars(select(User))}
    street = users[f"u{STREET}"].unit_id
    # Just after midnight local time, which is still the previous day in UTC.
    at = local(2026, 11, 24, 0, 5)
    appeal = create_appeal(appeal_data(), users["operator"], at=at)
    appeal = perform(appeal.id, "dispatch", {"unit_id": street}, users["dispatcher"], at=at)
    assert appeal.sign_due_at == local(2026, 11, 25, 23, 59, 59)  # 1 WD, from Tuesday the 24th
    assert appeal.due_at == local(2026, 12, 8, 23, 59, 59)  # 10 WD
    assert appeal.number.startswith("20261124")

    urgent = create_appeal(appeal_data(urgency="紧急"), users["operator"], at=at)
    urgent = perform(urgent.id, "dispatch", {"unit_id": street}, users["dispatcher"], at=at)
    assert urgent.sign_due_at == local(2026, 11, 24, 0, 35)  # 30 minutes
    assert urgent.return_due_at == local(2026, 11, 24, 1, 5)  # 1 hour
    assert urgent.due_at == local(2026, 11, 25, 0, 5)  # 24 hours
    # Warning at two thirds of the interval.
    assert urgent.sla_warn_at == local(2026, 11, 24, 0, 25)


def test_return_window_closes(ctx):
    users = {u.username: u for u in db.session.scalars(select(User))}
    at = local(2026, 11, 24, 9)
    appeal = create_appeal(appeal_data(urgency="紧急"), users["operator"], at=at)
    perform(appeal.id, "dispatch", {"unit_id": users[f"u{STREET}"].unit_id}, users["dispatcher"], at=at)
    with pytest.raises(Conflict, match=r"已超过退单时限（2026-11-24 10:00）"):
        perform(appeal.id, "return", {"reason": "x", "basis": "y"}, users[f"u{STREET}"], at=local(2026, 11, 24, 10, 1))


def test_reopen_resets_the_deadline_and_approval_sets_the_visit(ctx):
    users = {u.username: u for u in db.session.scalars(select(User))}
    street = users[f"u{STREET}"]
    start = local(2026, 11, 23, 9)
    appeal = create_appeal(appeal_data(), users["operator"], at=start)
    perform(appeal.id, "dispatch", {"unit_id": street.unit_id}, users["dispatcher"], at=start)
    perform(appeal.id, "sign", {}, street, at=local(2026, 11, 23, 10))
    perform(appeal.id, "reply", {"result": "已处理", "resolved": "解决"}, street, at=local(2026, 11, 24, 10))
    appeal = perform(appeal.id, "approve_reply", {}, users["dispatcher"], at=local(2026, 11, 24, 11))
    assert appeal.visit_due_at == local(2026, 11, 25, 23, 59, 59)  # 1 working day
    appeal = perform(
        appeal.id,
        "visit",
        {"reached": True, "resolved": "未解决", "satisfaction": "不满意", "contacted": True, "note": "问题仍未解决"},
        users["visitor"],
        at=local(2026, 11, 25, 16),
    )
    assert appeal.state == "handling"
    assert appeal.due_at == local(2026, 12, 2, 23, 59, 59)  # 重办: 5 working days from the visit
    assert appeal.sla_due_at == appeal.due_at


def test_critical_appeals_have_their_own_tier(ctx):
    users = {u.username: u for u in db.session.scalars(select(User))}
    at = local(2026, 11, 24, 9)
    street = users[f"u{STREET}"].unit_id
    critical = create_appeal(appeal_data(urgency="特急"), users["operator"], at=at)
    assert critical.dispatch_due_at == local(2026, 11, 24, 9, 15)
    critical = perform(critical.id, "dispatch", {"unit_id": street}, users["dispatcher"], at=at)
    assert critical.due_at == local(2026, 11, 24, 11)  # 2 hours, where 紧急 has 24
    urgent = create_appeal(appeal_data(urgency="紧急"), users["operator"], at=at)
    urgent = perform(urgent.id, "dispatch", {"unit_id": street}, users["dispatcher"], at=at)
    assert urgent.due_at == local(2026, 11, 25, 9)
    perform(critical.id, "sign", {}, users[f"u{STREET}"], at=at)
    with pytest.raises(Conflict, match="特急诉求不能延期"):
        perform(critical.id, "request_extension", {"working_days": 1, "reason": "x"}, users[f"u{STREET}"], at=at)


def test_the_migration_moves_only_the_critical_rows_nobody_changed(tmp_path):
    from flask_migrate import upgrade

    from hotline.appeals.models import SlaPolicy
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path)
    with app.app_context():
        upgrade(revision="0021_open_state_index")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE sla_policies SET handle = '12h' WHERE urgency = '特急' AND type = '投诉'")
        upgrade()
        rows = db.session.execute(select(SlaPolicy.type, SlaPolicy.handle).where(SlaPolicy.urgency == "特急"))
        handle = dict(rows.tuples().all())
        db.engine.dispose()
    assert handle.pop("投诉") == "12h" and set(handle.values()) == {"2h"}
