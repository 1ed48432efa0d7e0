"""`flask --app wsgi demo`: 300 appeals in every state, made by real actions; safe twice."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from hotline.appeals.machine import transitions_from
from hotline.appeals.models import Appeal, AppealEvent, Extension, Pause
from hotline.appeals.states import NON_TRANSITION_EVENTS, State
from hotline.auth.models import User
from hotline.core.extensions import db
from hotline.grid.models import Unit


def test_demo_loads_every_state_with_true_event_logs(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path, HOTLINE_DEMO_PASSWORD="demo12345")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "300 appeals" in first.output
    assert "万件清理 ledger holds" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "nothing to do" in second.output

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 300
        by_state = dict(db.session.execute(select(Appeal.state, func.count()).group_by(Appeal.state)).all())
        assert set(by_state) == set(State)
        # Every appeal's log is a chain of legal transitions ending in its state.
        for appeal in db.session.scalars(select(Appeal)):
            events = appeal.events
            assert events[0].action == "create" and events[0].to_state == "accepted"
            for before, after in itertools.pairwise(events):
                assert after.from_state == before.to_state
                if after.action in NON_TRANSITION_EVENTS:  # the sweep's warnings and 通报
                    assert after.from_state == after.to_state
                else:
                    assert any(t.dest == after.to_state for t in transitions_from(after.from_state, after.action))
                assert after.at >= before.at
            assert events[-1].to_state == appeal.state
        # Numbers run in time order within a day.
        rows = db.session.execute(select(Appeal.number, Appeal.created_at).order_by(Appeal.number)).all()
        same_day = [(a, b) for a, b in itertools.pairwise(rows) if a.number[:10] == b.number[:10]]
        assert all(a.created_at <= b.created_at for a, b in same_day)
        # An account for every unit and grid, plus the centre's five.
        usernames = set(db.session.scalars(select(User.username)))
        codes = set(db.session.scalars(select(Unit.code).where(Unit.kind != "centre")))
        assert {f"u{c}" for c in codes} | {"admin", "operator", "dispatcher", "supervisor", "visitor"} == usernames
        assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.level == "grid")) == 20
        assert db.session.scalar(select(func.count()).select_from(AppealEvent)) > 1000
        _units_see_what_reached_them()

    client = app.test_client()
    resp = client.post("/api/v1/auth/token", json={"username": "u210102", "password": "demo12345"})
    assert resp.status_code == 201
    # The demo Open311 client's key (HOTLINE_OPEN311_DEMO_KEY) files requests; the demo's
    # 随手拍 reports are what GET requests serves.
    served = client.get("/open311/v2/requests.json").get_json()
    assert served and all(r["service_request_id"][8:10] == "03" for r in served)
    filed = client.post(
        "/open311/v2/requests.json",
        data={"api_key": "demo-open311-key", "service_code": "040201", "lat": "41.88", "long": "123.32"},
    )
    assert filed.status_code == 201
    assert client.post("/open311/v2/requests.json", data={"api_key": "demo-open311-key-x"}).status_code == 403
    # 响应: most signed demo appeals were followed by a call to the citizen
    with app.app_context():
        contacted = db.session.scalar(
            select(func.count()).select_from(Appeal).where(Appeal.first_contact_at.is_not(None))
        )
        assert contacted > 50
        # Pauses running, asked for and ended; a 长周期 extension waiting for the centre.
        pauses = dict(db.session.execute(select(Pause.status, func.count()).group_by(Pause.status)).tuples().all())
        assert pauses.get("active") == by_state["paused"] and pauses.get("pending") and pauses.get("ended")
        waiting = select(func.count()).select_from(Extension).where(Extension.long_cycle, Extension.status == "pending")
        assert db.session.scalar(waiting)


def _units_see_what_reached_them() -> None:
    """Every unit sees exactly the appeals that were ever sent to, held by or co-handled by
    it or a unit below it, as the events and co-units record them; and the migration's
    backfill rebuilds the same reach table the actions wrote."""
    import importlib

    from sqlalchemy import delete, text

    from hotline.appeals.models import AppealCoUnit, AppealOpenReach, AppealReach
    from hotline.appeals.states import FINAL_STATES, OPEN_STATES
    from hotline.appeals.visibility import visible_clause
    from hotline.core.db import write_transaction

    units = list(db.session.scalars(select(Unit).where(Unit.kind != "centre")))
    received: dict[int, set[int]] = {u.id: set() for u in units}
    pairs = [
        *db.session.execute(select(Appeal.current_unit_id, Appeal.id).where(Appeal.current_unit_id.is_not(None))),
        *db.session.execute(
            select(AppealEvent.target_unit_id, AppealEvent.appeal_id).where(AppealEvent.target_unit_id.is_not(None))
        ),
        *db.session.execute(select(AppealCoUnit.unit_id, AppealCoUnit.appeal_id)),
    ]
    path = {u.id: u.path for u in units}
    for unit_id, appeal_id in pairs:
        for u in units:
            if path[unit_id].startswith(u.path):
                received[u.id].add(appeal_id)
    assert sum(map(len, received.values())) > 300
    for unit in units:
        handler = db.session.scalars(select(User).where(User.username == f"u{unit.code}")).one()
        seen = set(db.session.scalars(select(Appeal.id).where(visible_clause(handler))))
        assert seen == received[unit.id], unit.code

    # The open reach rows are the reach rows of the open appeals, and closed appeals run no
    # clock (so a filter on the clock may read the open rows alone).
    written = set(db.session.execute(select(AppealReach.unit_id, AppealReach.appeal_id)).tuples())
    still_open = set(db.session.scalars(select(Appeal.id).where(Appeal.state.in_(OPEN_STATES))))
    written_open = set(db.session.execute(select(AppealOpenReach.unit_id, AppealOpenReach.appeal_id)).tuples())
    assert written_open == {(u, a) for u, a in written if a in still_open} and written_open
    assert not db.session.scalar(
        select(func.count()).where(Appeal.state.in_(FINAL_STATES), Appeal.sla_due_at.is_not(None))
    )
    migration = importlib.import_module("migrations.versions.0008_appeal_reach")
    with write_transaction(db.session):
        db.session.execute(delete(AppealOpenReach))
        db.session.execute(delete(AppealReach))
        db.session.execute(text(migration.BACKFILL))
        db.session.execute(text(migration.BACKFILL_OPEN))
    assert set(db.session.execute(select(AppealReach.unit_id, AppealReach.appeal_id)).tuples()) == written
    assert set(db.session.execute(select(AppealOpenReach.unit_id, AppealOpenReach.appeal_id)).tuples()) == written_open
