"""Photo uploads stay within a memory budget: a gunicorn worker with eight threads, given
eight of the worst pictures it accepts at the same moment (no account needed), peaks
under 400 MB. It reached 2.4 GB before: eight 112 KB PNGs of 39.6 megapixels were decoded
all at once. The peak is the kernel's high-water mark of the worker (VmHWM), not a sample."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pillow_heif
import pytest
import requests
from PIL import Image

from tests.helpers import free_port

pillow_heif.register_heif_opener()

LIMIT_MB = 400
UPLOADS = 8
REPORT = {"category": "040201", "content": "消防通道被堵", "lat": 41.88, "lon": 123.32, "is_anonymous": True}


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 255)).save(out, "PNG")
    return out.getvalue()


def _picture(fmt: str, width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 30, 200)).save(out, fmt, quality=50)
    return out.getvalue()


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    shutil.copy(sqlite_template, folder / "hotline.sqlite3")
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{folder / 'hotline.sqlite3'}",
        "HOTLINE_INSTANCE_PATH": str(folder),
        "HOTLINE_SECRET_KEY": "test",
        "HOTLINE_RATE_LIMITS_ENABLED": "false",
        "HOTLINE_REDIS_URL": "",
    }
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", str(UPLOADS), "-w", "1"]
    process = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # until it answers (at most a minute)
        try:
            requests.get(f"{url}/report", timeout=1)
            break
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or still importing on a busy machine
            time.sleep(0.2)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    yield url, int(children[0])
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def new_report(url: str) -> tuple[str, dict]:
    receipt = requests.post(f"{url}/api/v1/reports", json=REPORT, timeout=30).json()
    return f"{url}/api/v1/reports/{receipt['number']}/photos", {"query_code": receipt["query_code"]}


def upload_together(url: str, picture: bytes, name: str) -> list[requests.Response]:
    target, code = new_report(url)

    def send(_: int) -> requests.Response:
        return requests.post(target, params=code, files={"file": (name, picture)}, timeout=120)

    with ThreadPoolExecutor(UPLOADS) as pool:
        return list(pool.map(send, range(UPLOADS)))


def test_eight_worst_case_uploads_at_once_keep_the_worker_under_400_mb(server):
    url, worker = server
    # the largest PNG taken whole (25 MP, 100 MB of RGBA decoded), eight at once: stored
    # no larger than 4096 a side
    answers = upload_together(url, _png(5000, 4990), "bomb.png")
    assert [a.status_code for a in answers] == [201] * UPLOADS
    assert {(a.json()["width"], a.json()["height"]) for a in answers} == {(4096, 4088)}
    # the largest JPEG (40 MP), decoded at half scale
    answers = upload_together(url, _picture("JPEG", 7300, 5470), "big.jpg")
    assert [a.status_code for a in answers] == [201] * UPLOADS
    assert {(a.json()["width"], a.json()["height"]) for a in answers} == {(3650, 2735)}
    # an iPhone Pro's 24 MP HEIC, stored as JPEG
    answers = upload_together(url, _picture("HEIF", 5712, 4284), "IMG_0001.HEIC")
    assert [a.status_code for a in answers] == [201] * UPLOADS
    assert {(a.json()["width"], a.json()["height"]) for a in answers} == {(4096, 3072)}
    # the 39.6 MP PNG is refused before it is decoded
    target, code = new_report(url)
    refused = requests.post(target, params=code, files={"file": ("x.png", _png(7200, 5500))}, timeout=60)
    assert refused.status_code == 400 and "像素过多" in refused.json()["error"]["message"]
    assert peak_mb(worker) < LIMIT_MB, f"worker peaked at {peak_mb(worker):.0f} MB"
