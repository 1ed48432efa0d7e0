"""Random actions by random actors (hypothesis' stateful testing): whatever anyone tries,
in whatever order, an action is either refused cleanly (400/403/404/409, nothing written)
or leaves every appeal consistent:

- its state is the last event's to-state;
- its counters equal its events (dispatches, returns, reopenings, approved extensions);
- the deadlines its state runs on are set;
- no extension or pause request is pending outside handling;
- it is rated (好差评) exactly when a visit or the citizen's own rating says so, once a round;
- it is paused exactly while a pause runs, with its clock stopped;
- it is in its units' lists of open work exactly while it is open.

HOTLINE_RANDOM_ACTIONS_EXAMPLES raises the number of runs (each up to 40 steps)."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from hotline.appeals import engine
from hotline.appeals.guards import ActionContext
from hotline.appeals.intake import register
from hotline.appeals.machine import available_actions
from hotline.appeals.models import Appeal, AppealEvent, AppealOpenReach
from hotline.appeals.schemas import AppealCreate
from hotline.appeals.states import FINAL_STATES, Act
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.errors import AppError
from hotline.core.extensions import db
from hotline.grid.models import Unit
from hotline.reports.operations import rate
from tests.helpers import COMMUNITY, DEPT, DISTRICT, GRID, OTHER_DISTRICT, OTHER_STREET, SH, STREET, appeal_data

EXAMPLES = int(os.environ.get("HOTLINE_RANDOM_ACTIONS_EXAMPLES", "25"))
UNITS = (STREET, GRID, COMMUNITY, DEPT, DISTRICT, OTHER_STREET, OTHER_DISTRICT)
ACTORS = ("operator", "dispatcher", "supervisor", "visitor", *(f"u{code}" for code in UNITS))
REFUSED = {400, 403, 404, 409}
RESOLVED = st.sampled_from(["解决", "部分解决", "未解决"])
TEXT = st.sampled_from(["已处理", "请加快办理", "不属于本单位职责", "x" * 500])
RATING = st.sampled_from(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])

# A body for each action: mostly valid, sometimes not (a refusal must write nothing).
BODIES = {
    Act.DISPATCH: st.fixed_dictionaries(
        {"unit_id": st.sampled_from(UNITS)}, optional={"co_unit_ids": st.lists(st.sampled_from(UNITS), max_size=2)}
    ),
    Act.REDISPATCH: st.fixed_dictionaries({"unit_id": st.sampled_from(UNITS)}),
    Act.ANSWER: st.fixed_dictionaries({"reply": TEXT}),
    Act.MERGE: st.fixed_dictionaries({"master_number": st.just("master")}),
    Act.LINK_REPEAT: st.fixed_dictionaries({"master_number": st.just("master")}),
    Act.VOID: st.fixed_dictionaries(
        {"reason": st.sampled_from(["无效诉求", "转110", "其他"])},
        optional={"police_desk": TEXT, "police_incident": st.just("J2026120200001"), "note": TEXT},
    ),
    Act.RETURN: st.fixed_dictionaries({"reason": TEXT, "basis": TEXT}),
    Act.APPROVE_RETURN: st.just({}),
    Act.REJECT_RETURN: st.fixed_dictionaries({"reason": TEXT, "basis": TEXT}),
    Act.SIGN: st.just({}),
    Act.CONTACT: st.fixed_dictionaries({"note": TEXT, "method": st.sampled_from(["电话", "上门", "短信"])}),
    Act.SUPERVISE: st.fixed_dictionaries({"note": TEXT, "level": st.sampled_from(["yellow", "red"])}),
    Act.REQUEST_EXTENSION: st.fixed_dictionaries(
        {"working_days": st.integers(0, 40), "reason": TEXT}, optional={"long_cycle": st.booleans()}
    ),
    Act.APPROVE_EXTENSION: st.just({}),
    Act.REJECT_EXTENSION: st.just({}),
    # resume_on: so many days after the moment of the action (0 and over 90 are refused).
    Act.REQUEST_PAUSE: st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["等待市民", "司法程序", "其他", "休假"]),
            "reason": TEXT,
            "resume_on": st.integers(0, 100),
        }
    ),
    Act.APPROVE_PAUSE: st.just({}),
    Act.REJECT_PAUSE: st.just({}),
    Act.RESUME: st.just({}),
    Act.REPLY: st.fixed_dictionaries({"result": TEXT, "resolved": RESOLVED}),
    Act.CO_SIGN: st.just({}),
    Act.CO_REPORT: st.fixed_dictionaries({"result": TEXT}),
    Act.REJECT_REPLY: st.fixed_dictionaries({"note": TEXT}),
    Act.APPROVE_REPLY: st.just({}),
    Act.VISIT: st.fixed_dictionaries(
        {"reached": st.booleans()},
        optional={
            "resolved": RESOLVED,
            "satisfaction": RATING,
            "contacted": st.booleans(),
            "note": TEXT,
            "call_result": st.sampled_from(["未接通", "拒接", "空号", "关机"]),
        },
    ),
    Act.RATE: st.fixed_dictionaries(
        {"satisfaction": RATING, "resolved": RESOLVED, "contacted": st.booleans()}, optional={"note": TEXT}
    ),
    Act.CHECK: st.fixed_dictionaries({"passed": st.booleans(), "note": TEXT}),
    Act.AUDIT: st.fixed_dictionaries({"passed": st.booleans()}),
    Act.CONTEST: st.fixed_dictionaries(
        {"kind": st.sampled_from(["评价申诉", "不合理诉求", "最终答复", "其他"]), "basis": TEXT}
    ),
    Act.UPHOLD_CONTEST: st.fixed_dictionaries({"note": TEXT}),
    Act.DISMISS_CONTEST: st.fixed_dictionaries({"note": TEXT}),
}
# Actions that end an appeal at intake: taken less often, so that appeals go on.
ENDINGS = (Act.VOID, Act.MERGE, Act.ANSWER)
# The deadline each state runs on.
CLOCKS = {
    "accepted": ("dispatch_due_at", "sla_due_at"),  # the centre's 派单
    "dispatched": ("sign_due_at", "due_at"),
    "returning": ("sign_due_at", "sla_due_at"),  # the unit's clocks wait; the review's runs
    "handling": ("due_at",),
    "supervised": ("due_at",),
    "replied": ("review_due_at", "sla_due_at"),  # the centre's 审核
    "revisiting": ("visit_due_at",),
}


class RandomActions(RuleBasedStateMachine):
    appeals = Bundle("appeals")

    def __init__(self) -> None:
        super().__init__()
        self.mine: list[int] = []
        self.clock = now()
        self.refused = 0

    def _user(self, username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    def _unit_id(self, code: str) -> int:
        return db.session.scalar(select(Unit.id).where(Unit.code == code))

    @precondition(lambda self: len(self.mine) < 3)  # then every step acts on them
    @rule(target=appeals, confidential=st.booleans())
    def intake(self, confidential: bool) -> int:
        appeal = register(
            AppealCreate(**appeal_data(is_confidential=confidential)), at=self.clock, actor=self._user("operator")
        )
        self.mine.append(appeal.id)
        return appeal.id

    @rule(appeal=appeals, data=st.data())
    def act(self, appeal: int, data: st.DataObject) -> None:
        # Mostly an action someone may take now that keeps the appeal going (so appeals
        # travel the whole loop), sometimes one that ends it, one time in four anything by
        # anyone (which must be refused cleanly).
        ctx = {name: ActionContext(db.session.get_one(Appeal, appeal), self._user(name), self.clock) for name in ACTORS}
        takers: dict[Act, list[str]] = {}
        for name, c in ctx.items():
            for a in available_actions(c):
                takers.setdefault(a, []).append(name)
        onward = [a for a in takers if a not in ENDINGS] or list(takers)
        roll = data.draw(st.integers(0, 7))
        if takers and roll > 1:
            action = data.draw(st.sampled_from(onward if roll > 2 else list(takers)))
            actor = data.draw(st.sampled_from(takers[action]))
        else:
            action, actor = data.draw(st.sampled_from(list(Act))), data.draw(st.sampled_from(ACTORS))
        body = dict(data.draw(BODIES[action]))
        if "unit_id" in body:
            body["unit_id"] = self._unit_id(body["unit_id"])
        if "co_unit_ids" in body:
            body["co_unit_ids"] = [self._unit_id(c) for c in body["co_unit_ids"]]
        if action == Act.REQUEST_PAUSE:
            body["resume_on"] = (self.clock.astimezone(SH).date() + timedelta(days=body["resume_on"])).isoformat()
        if action in (Act.MERGE, Act.LINK_REPEAT):
            master = data.draw(st.sampled_from(self.mine))
            body["master_number"] = db.session.scalar(select(Appeal.number).where(Appeal.id == master))
        user = self._user(actor)
        self.clock += timedelta(hours=data.draw(st.integers(0, 72)))  # deadlines pass, too
        try:
            engine.perform(appeal, str(action), body, user, at=self.clock)
        except AppError as exc:
            assert exc.status in REFUSED, f"{action} by {actor}: {exc.status} {exc.message}"
            self.refused += 1
        db.session.expire_all()

    @rule(appeal=appeals, data=st.data())
    def citizen_rates(self, appeal: int, data: st.DataObject) -> None:
        """The citizen rates on the tracking page, whatever the appeal's state."""
        found = db.session.get_one(Appeal, appeal)
        self.clock += timedelta(hours=data.draw(st.integers(0, 24)))
        try:
            rate(found.number, found.query_code, dict(data.draw(BODIES[Act.RATE])), at=self.clock)
        except AppError as exc:
            assert exc.status in REFUSED, f"rate: {exc.status} {exc.message}"
            self.refused += 1
        db.session.expire_all()

    @rule(days=st.integers(1, 30))
    def days_pass(self, days: int) -> None:
        """Time passes and the job ends the pauses whose day has come."""
        self.clock += timedelta(days=days)
        engine.resume_due_pauses(self.clock)
        db.session.expire_all()

    @invariant()
    def every_appeal_is_consistent(self) -> None:
        for appeal_id in self.mine:
            appeal = db.session.get_one(Appeal, appeal_id)
            events = db.session.scalars(
                select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id)
            ).all()
            where = f"{appeal.number} after {[(e.action, e.to_state) for e in events]}"
            assert appeal.state == events[-1].to_state, where

            actions = [e.action for e in events]
            reopened = [
                e for e in events if e.action in ("visit", "rate", "audit") and e.to_state in ("handling", "accepted")
            ]
            assert appeal.dispatch_count == actions.count("dispatch") + actions.count("redispatch"), where
            assert appeal.return_count == actions.count("approve_return"), where  # returns are reviewed
            assert appeal.reopen_count == len(reopened), where
            assert appeal.extension_count == actions.count("approve_extension"), where
            for clock in CLOCKS.get(appeal.state, ()):
                assert getattr(appeal, clock) is not None, f"{where}: {clock} missing in {appeal.state}"
            ratings = [e for e in events if e.action == "rate" or (e.action == "visit" and e.payload.get("reached"))]
            if appeal.state in ("auditing", "evaluated"):
                rated = ratings and ratings[-1].id > max(
                    e.id for e in events if e.action in ("approve_reply", "answer")
                )
                assert (appeal.satisfaction != "未评价") == bool(rated), f"{where}: {appeal.satisfaction}"
            if appeal.state not in ("handling", "supervised"):
                assert appeal.pending_extension is None, f"{where}: extension pending in {appeal.state}"
                assert appeal.pending_pause is None, f"{where}: pause pending in {appeal.state}"
            # Paused exactly while a pause runs; its clock stopped, its deadline kept.
            assert (appeal.state == "paused") == (appeal.running_pause is not None), where
            if appeal.state == "paused":
                assert appeal.sla_due_at is None and appeal.due_at is not None, where
            open_rows = db.session.scalar(
                select(func.count()).select_from(AppealOpenReach).where(AppealOpenReach.appeal_id == appeal_id)
            )
            if appeal.state in FINAL_STATES:
                assert open_rows == 0, f"{where}: closed but in open lists"
            elif appeal.current_unit_id is not None:
                held = select(AppealOpenReach).where(
                    AppealOpenReach.appeal_id == appeal_id, AppealOpenReach.unit_id == appeal.current_unit_id
                )
                assert db.session.scalar(select(held.exists())), f"{where}: open but not in its unit's list"


def test_random_actions_by_random_actors_keep_every_appeal_consistent(sqlite_app):
    with sqlite_app.app_context():
        _run()


def _run() -> None:
    run_state_machine_as_test(
        RandomActions,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
