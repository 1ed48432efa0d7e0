"""The Procfile's web process as it is deployed: gunicorn builds the app once (--preload)
and forks its workers, which must each talk to the database on their own connections."""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.helpers import appeal_data, free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _web_command() -> list[str]:
    """The Procfile's `web` line, its ${NAME:-default} expanded as the shell would."""
    line = next(x for x in (PROJECT_ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    expanded = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1]) or m[2], line.removeprefix("web:"))
    return shlex.split(expanded)


def _request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


@pytest.mark.postgres
def test_preloaded_workers_take_concurrent_intakes(postgres_app, tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("HOTLINE_WEB_WORKERS", "2")
    monkeypatch.setenv("HOTLINE_BIND", f"127.0.0.1:{port}")
    command = _web_command()
    assert "--preload" in command
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": postgres_app.config["SQLALCHEMY_DATABASE_URI"],
        "HOTLINE_INSTANCE_PATH": str(tmp_path),
        "HOTLINE_SECRET_KEY": "test-secret",
        "HOTLINE_REDIS_URL": "",
    }
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", *command[1:]], cwd=PROJECT_ROOT, env=env)
    try:
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        status, issued = _request(port, "POST", "/api/v1/auth/token", {"username": "operator", "password": PASSWORD})
        assert status == 201, issued

        def intake(i: int):
            return _request(port, "POST", "/api/v1/appeals", appeal_data(title=f"并发受理第{i}件"), issued["token"])

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(intake, range(40)))
        assert [status for status, _ in answers] == [201] * 40
        numbers = {made["number"] for _, made in answers}
        assert len(numbers) == 40  # every intake its own number
        for _, made in answers[::8]:  # and each stored as answered, whichever worker reads it
            status, stored = _request(port, "GET", f"/api/v1/appeals/{made['id']}", token=issued["token"])
            assert status == 200 and stored["number"] == made["number"] and stored["title"] == made["title"]
    finally:
        server.terminate()
        server.wait(timeout=30)
