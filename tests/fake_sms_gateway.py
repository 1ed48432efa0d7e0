"""A small local SMS gateway for tests: accepts POST {"id", "phone", "text"} and delivers
each message id once (a repeated id is acknowledged, not delivered again), as real
gateways do with an idempotency key. Each request takes the next step of `script`:
"ok", "500", or "hold" (keep the request open until `release` is set)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    def __init__(self, script: list[str] | None = None):
        self.script = list(script or [])
        self.received: list[str] = []  # every request's message id, in order
        self.delivered: Counter = Counter()  # message id → deliveries (must stay ≤ 1)
        self.texts: dict[str, str] = {}
        self.got_request = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway._lock:
                    step = gateway.script.pop(0) if gateway.script else "ok"
                    gateway.received.append(body["id"])
                    if step != "500" and body["id"] not in gateway.delivered:
                        gateway.delivered[body["id"]] += 1
                        gateway.texts[body["id"]] = body["text"]
                gateway.got_request.set()
                if step == "hold":
                    gateway.release.wait(timeout=60)
                try:
                    if step == "500":
                        self.send_response(500)
                        self.end_headers()
                        return
                    answer = json.dumps({"ref": f"gw-{body['id']}"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, or its process was killed)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
