"""The bare-insert floor for bench/intake.py: the least a Flask + SQLAlchemy endpoint can
do for an intake — parse the JSON body, insert one row, commit, answer 201 — and for an
action — parse the body, update the row's state, commit, answer — on the same database,
under the same gunicorn. hotline's intake and action pair are measured against it in one
run.

    gunicorn -w 2 'floor_app:app'   (HOTLINE_DATABASE_URL names the database)
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, insert, update
from sqlalchemy.exc import IntegrityError, ProgrammingError

engine = create_engine(os.environ["HOTLINE_DATABASE_URL"], pool_size=5)
metadata = MetaData()
floor_appeals = Table(
    "floor_appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(100)),
    Column("content", Text),
    Column("citizen_phone", String(20)),
    Column("received_at", DateTime(timezone=True)),
    Column("state", String(20)),
)
# Another worker booting at the same moment may create it first.
with contextlib.suppress(IntegrityError, ProgrammingError):
    metadata.create_all(engine)
# Served preloaded (gunicorn --preload, as the benchmarks serve every app): the workers are
# forked after this, and none may inherit the connection create_all used.
engine.dispose()
app = Flask(__name__)


@app.post("/floor/appeals")
def create() -> tuple[object, int]:
    body = request.get_json()
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(floor_appeals)
            .values(
                title=body["title"],
                content=body["content"],
                citizen_phone=body.get("citizen_phone"),
                received_at=datetime.now(UTC),
            )
            .returning(floor_appeals.c.id)
        ).scalar_one()
    return jsonify({"id": new_id}), 201


@app.post("/floor/appeals/<int:appeal_id>/state")
def change_state(appeal_id: int) -> tuple[object, int]:
    body = request.get_json()
    with engine.begin() as conn:
        changed = conn.execute(
            update(floor_appeals)
            .where(floor_appeals.c.id == appeal_id)
            .values(state=body["state"])
            .returning(floor_appeals.c.id)
        ).scalar()
    if changed is None:
        abort(404)
    return jsonify({"id": changed, "state": body["state"]}), 200
