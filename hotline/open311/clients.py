"""Open311 clients: their API keys (only hashes are stored) and the jurisdiction we serve."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from hotline.core import audit
from hotline.core.db import write_transaction
from hotline.core.errors import Forbidden, NotFound
from hotline.core.extensions import db
from hotline.open311.models import Open311Client

# ------------------------------------------------------------------ clients


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def add_client(name: str, api_key: str | None = None) -> tuple[Open311Client, str]:
    """Register a client; returns it with its api_key (shown once, only the hash is kept)."""
    api_key = api_key or secrets.token_urlsafe(24)
    with write_transaction(db.session):
        client = db.session.scalar(select(Open311Client).where(Open311Client.name == name))
        if client is not None and client.key_hash == _hash(api_key) and client.active:
            return client, api_key  # already so (the demo, run again)
        if client is None:
            client = Open311Client(name=name, key_hash=_hash(api_key))
            db.session.add(client)
        else:
            client.key_hash, client.active = _hash(api_key), True
        db.session.flush()
        audit.record(None, "open311_client", client.id, "key", {"name": name})
    return client, api_key


def client_for(api_key: str | None) -> Open311Client:
    client = (
        db.session.scalar(select(Open311Client).where(Open311Client.key_hash == _hash(api_key))) if api_key else None
    )
    if client is None or not client.active:
        raise Forbidden("api_key missing or invalid: 需要有效的 api_key")
    return client


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    ours = current_app.config["HOTLINE_OPEN311_JURISDICTION"]
    if jurisdiction_id not in (None, "", ours):
        raise NotFound(f"jurisdiction_id {jurisdiction_id} not found: 本端点只服务 {ours}")
