"""Where a request's processor time goes, measured in process on PostgreSQL: the CPU one
intake, dispatch and sign cost the serving process, whole and by phase, beside the bare
floor's insert and state change (bench/floor_app.py) on the same database.

bench/intake.py's rates say how fast; this says what a request is made of, and so where
time can still be saved and where it cannot. Each request goes to the WSGI app directly
(its environ built beforehand, outside the time counted), as gunicorn's worker would hand
it over: gunicorn's parsing and socket work, and the database server's CPU, are not in
it. A phase is the time inside the functions named beside it, less the phases inside it;
what no phase holds is Flask, Werkzeug and the rest of the request. This machine's CPU
time per request moves by up to a fifth from one run to the next, so every round serves
each kind of request in turn (`--rounds`); the phases' shares, counted within the same
requests, hardly move.

    .venv/bin/python bench/request_cpu.py [--requests 2000] [--rounds 5] [--smoke]
"""

from __future__ import annotations

import functools
import io
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from harness import Row, arguments, migrated_app, postgres_database, report
from intake import BODY, FLOOR_READY, REDIS_URL, _accounts, _flush_queue


class Phase(NamedTuple):
    label: str
    functions: tuple[tuple[str, str], ...]  # (module or module:Class, attribute) where the caller finds it


SIGN_IN = Phase(
    "sign-in: token, user, roles, revision tokens (BEGIN + 1 statement)",
    (("hotline.web.api.spec:Api", "authenticate"),),
)
BODY_READ = Phase("body read and checked (JSON, limits)", (("hotline.web.api.spec", "json_object"),))
COMMIT = Phase("commit", (("hotline.core.db", "_commit_keeping_objects"),))
ANSWER = Phase(
    "the answer: allowed actions, presenter, JSON",
    (
        ("hotline.appeals.api", "detail"),
        ("hotline.appeals.api", "json_response"),  # an intake's, with its Location
        ("hotline.web.api.spec", "json_response"),  # an action's
    ),
)
INTAKE_PHASES = (
    SIGN_IN, BODY_READ,
    Phase("validation (pydantic)", (("hotline.appeals.intake", "validate"),)),
    Phase("number and id (own statement)", (("hotline.appeals.intake", "next_number"),)),
    Phase("point placed on the grid", (("hotline.appeals.intake", "placement"),)),
    Phase("dispatch clock", (("hotline.appeals.intake", "start_dispatch_clock"),)),
    Phase("receipt SMS rendered and queued", (("hotline.appeals.effects", "text_citizen"),)),
    Phase("search document", (("hotline.core.fulltext:Index", "put"),)),
    COMMIT,
    Phase("rows built and written (1 INSERT), the rest of 受理", (("hotline.appeals.intake", "register"),)),
    ANSWER,
)  # fmt: skip
ACTION_PHASES = (
    Phase("the appeal, its timeline and rows read (2+ statements)", (("hotline.appeals.engine", "find_appeal"),)),
    Phase("the action: rules, rows written, the rest", (("hotline.appeals.engine", "_perform"),)),
)
PHASES = INTAKE_PHASES + ACTION_PHASES  # an intake meets none of the actions' and the reverse
FLOOR_INSERT = "floor: insert one row (Flask, SQLAlchemy Core, BEGIN + INSERT + COMMIT)"
FLOOR_CHANGE = "floor: change one row's state"
INTAKE = "intake (POST /api/v1/appeals)"
DISPATCH = "dispatch (POST …/actions/dispatch)"
SIGN = "sign (POST …/actions/sign)"


class _Clock:
    """Exclusive CPU time per phase: a phase's time less that of the phases inside it."""

    def __init__(self) -> None:
        self.kind = ""  # the kind of request being served
        self.spent: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._inside: list[list[float]] = []  # per open phase: the time its inner phases took

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inside.append([0.0])
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.process_time() - start
                inner = self._inside.pop()[0]
                self.spent[self.kind, label] += took - inner
                if self._inside:
                    self._inside[-1][0] += took

        return timed


@contextmanager
def phases_timed(phases: tuple[Phase, ...]) -> Iterator[_Clock]:
    """The phases' functions wrapped for the block (a renamed function fails here, in the
    smoke run, instead of measuring nothing)."""
    import importlib

    clock = _Clock()
    replaced: list[tuple[Any, str, Any]] = []
    try:
        for phase in phases:
            for where, name in phase.functions:
                module_name, _, class_name = where.partition(":")
                owner = importlib.import_module(module_name)
                if class_name:
                    owner = getattr(owner, class_name)
                original = owner.__dict__[name]
                replaced.append((owner, name, original))
                setattr(owner, name, clock.wrap(phase.label, original))
        yield clock
    finally:
        for owner, name, original in reversed(replaced):
            setattr(owner, name, original)


class Call(NamedTuple):
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int


def _environ(call: Call) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=call.path, method=call.method, json=call.body, headers=list(call.headers.items()))
    try:
        return builder.get_environ()
    finally:
        builder.close()


def cpu_of(app: Any, calls: list[Call]) -> float:
    """The process's CPU seconds for the calls, each served as a WSGI server would."""
    environs = [_environ(c) for c in calls]
    bodies = [e["wsgi.input"].read() for e in environs]
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda _data: None

    spent = 0.0
    for call, environ, body in zip(calls, environs, bodies, strict=True):
        environ["wsgi.input"] = io.BytesIO(body)
        start = time.process_time()
        answer = app(environ, start_response)
        try:
            for _chunk in answer:
                pass
        finally:
            if hasattr(answer, "close"):
                answer.close()
        spent += time.process_time() - start
        if not statuses[-1].startswith(str(call.status)):
            raise RuntimeError(f"{call.method} {call.path}: {statuses[-1]}")
    return spent


def main() -> None:
    args = arguments(__doc__, requests=2000, rounds=5)
    rounds = 1 if args.smoke else max(1, args.rounds)
    each = 20 if args.smoke else max(1, args.requests // rounds)
    count = each * rounds
    rows: list[Row] = []
    with postgres_database() as url:
        app = migrated_app(url, HOTLINE_REDIS_URL=REDIS_URL)
        tokens, street = _accounts(app)
        os.environ["HOTLINE_DATABASE_URL"] = url
        import floor_app

        as_user = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
        intake = Call("POST", "/api/v1/appeals", BODY, as_user["operator"], 201)
        floor_insert = Call("POST", "/floor/appeals", BODY, {}, 201)

        def made(calls: int) -> list[int]:
            """New appeals, by intakes not counted."""
            client = app.test_client()
            return [client.post(intake.path, json=BODY, headers=intake.headers).json["id"] for _ in range(calls)]

        def action(name: str) -> Callable[[list[int]], list[Call]]:
            body, user = ({"unit_id": street}, "dispatcher") if name == "dispatch" else ({}, "u210102001")
            return lambda ids: [
                Call("POST", f"/api/v1/appeals/{i}/actions/{name}", body, as_user[user], 200) for i in ids
            ]

        def floor_change(ids: list[int]) -> list[Call]:
            return [Call("POST", f"/floor/appeals/{i}/state", {"state": "dispatched"}, {}, 200) for i in ids]

        dispatched: list[int] = []

        def dispatches(n: int) -> list[Call]:
            dispatched[:] = made(n)
            return action("dispatch")(dispatched)

        # What serves each kind of request and what its batch is made of (a sign, the appeals
        # the round's dispatch sent). Every round serves each kind in turn, so that a drift
        # of the machine's speed falls on all of them alike.
        kinds: dict[str, tuple[Any, Callable[[int], list[Call]]]] = {
            FLOOR_INSERT: (floor_app.app, lambda n: [floor_insert] * n),
            FLOOR_CHANGE: (floor_app.app, lambda n: floor_change(_floor_ids(floor_app.engine, n))),
            INTAKE: (app, lambda n: [intake] * n),
            DISPATCH: (app, dispatches),
            SIGN: (app, lambda n: action("sign")(dispatched[:n])),
        }
        warm = max(each // 2, 10)
        for served, calls in kinds.values():  # every cache and statement cache warm first
            cpu_of(served, calls(warm))
        spent: defaultdict[str, float] = defaultdict(float)
        with phases_timed(PHASES) as clock:
            for _ in range(rounds):
                for kind, (served, calls) in kinds.items():
                    clock.kind = ""  # what a batch is made with (new appeals) is not counted
                    batch = calls(each)
                    clock.kind = kind
                    spent[kind] += cpu_of(served, batch)
        ms = {kind: 1000 * seconds / count for kind, seconds in spent.items()}
        rows.append(Row(FLOOR_INSERT, f"{ms[FLOOR_INSERT]:.2f} ms"))
        rows.append(Row(FLOOR_CHANGE, f"{ms[FLOOR_CHANGE]:.2f} ms"))
        rows += _phase_rows(INTAKE, ms[INTAKE], ms[FLOOR_INSERT], clock, count)
        rows += _phase_rows(DISPATCH, ms[DISPATCH], ms[FLOOR_CHANGE], clock, count)
        rows += _phase_rows(SIGN, ms[SIGN], ms[FLOOR_CHANGE], clock, count)
        rows.append(Row("requests counted per kind", f"{count:,}",
                        f"{rounds} rounds serving every kind in turn, after {warm:,} to warm the caches"))  # fmt: skip
        floor_app.engine.dispose()
        from hotline.core.extensions import db

        with app.app_context():
            db.engine.dispose()
    _flush_queue()
    report("CPU per request in process (PostgreSQL)", rows, smoke=args.smoke)


def _phase_rows(kind: str, whole: float, floor: float, clock: _Clock, count: int) -> list[Row]:
    rows = [Row(kind, f"{whole:.2f} ms", f"{whole / floor:.1f}× the floor's")]
    mine = {phase: seconds for (of, phase), seconds in clock.spent.items() if of == kind}
    for phase, seconds in sorted(mine.items(), key=lambda item: -item[1]):
        ms = 1000 * seconds / count
        rows.append(Row(f"  {phase}", f"{ms:.2f} ms", f"{ms / whole:.0%}"))
    rest = whole - 1000 * sum(mine.values()) / count
    rows.append(Row("  Flask, Werkzeug, the route and the rest", f"{rest:.2f} ms", f"{rest / whole:.0%}"))
    return rows


def _floor_ids(engine: Any, count: int) -> list[int]:
    """The floor's first rows whose state was never changed (what its pair would take)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return list(conn.execute(text(FLOOR_READY)).scalars())[:count]


if __name__ == "__main__":
    main()
