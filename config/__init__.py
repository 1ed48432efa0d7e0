"""Settings. Every value can be overridden by a HOTLINE_* environment variable.

`load_settings()` returns a plain dict that `create_app()` copies into `app.config`;
tests pass their own overrides on top.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import overload

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def _factors(text: str) -> dict[str, float]:
    """Parse "解决:1,部分解决:0.5" into {"解决": 1.0, "部分解决": 0.5}."""
    pairs = (item.split(":") for item in text.split(",") if item.strip())
    return {name.strip(): float(value) for name, value in pairs}


def _flag(name: str, default: bool = True) -> bool:
    return _env(name, str(default)).lower() in ("1", "true", "yes", "on")


def default_instance_path() -> Path:
    return Path(_env("HOTLINE_INSTANCE_PATH", str(PROJECT_ROOT / "instance")))


def load_secret_key(instance_path: Path) -> str:
    """HOTLINE_SECRET_KEY, else a key generated once into instance/secret_key (0600)."""
    key = _env("HOTLINE_SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def load_settings(instance_path: Path) -> dict[str, object]:
    database_url = _env("HOTLINE_DATABASE_URL", f"sqlite:///{instance_path / 'hotline.sqlite3'}")
    session_hours = float(_env("HOTLINE_SESSION_MAX_HOURS", "12"))
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "HOTLINE_REDIS_URL": _env("HOTLINE_REDIS_URL"),
        "HOTLINE_QUEUE": _env("HOTLINE_QUEUE", "hotline"),
        # Seconds a web process gathers the outbox rows its requests commit before pushing
        # them to Redis together (the first after a quiet spell go at once; 0: every
        # commit pushes its own).
        "HOTLINE_OUTBOX_HANDOVER_WINDOW": float(_env("HOTLINE_OUTBOX_HANDOVER_WINDOW", "0.1")),
        # SMS: "record" keeps every message in the sms_messages table; "http" also posts it
        # to the gateway at HOTLINE_SMS_GATEWAY_URL.
        "HOTLINE_SMS_PROVIDER": _env("HOTLINE_SMS_PROVIDER", "record"),
        "HOTLINE_SMS_GATEWAY_URL": _env("HOTLINE_SMS_GATEWAY_URL"),
        "HOTLINE_SMS_TIMEOUT_SECONDS": float(_env("HOTLINE_SMS_TIMEOUT_SECONDS", "5")),
        # Uploaded files live outside the web root and are served only through the app.
        "HOTLINE_UPLOAD_DIR": _env("HOTLINE_UPLOAD_DIR", str(instance_path / "uploads")),
        "HOTLINE_UPLOAD_MAX_BYTES": int(_env("HOTLINE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        # A JPEG (decoded at a reduced scale) may have this many pixels; PNG, WebP and HEIC,
        # decoded whole, this many (a phone's 24 MP HEIC passes); each process decodes
        # this many pictures at once (the rest wait their turn), which bounds its memory.
        "HOTLINE_UPLOAD_MAX_PIXELS": int(_env("HOTLINE_UPLOAD_MAX_PIXELS", str(40_000_000))),
        "HOTLINE_UPLOAD_MAX_PIXELS_WHOLE": int(_env("HOTLINE_UPLOAD_MAX_PIXELS_WHOLE", str(25_000_000))),
        "HOTLINE_IMAGE_DECODE_SLOTS": int(_env("HOTLINE_IMAGE_DECODE_SLOTS", "1")),
        # Open311 GeoReport v2: the jurisdiction this endpoint serves, who to ask for a key,
        # and the key `flask demo` gives the demo client.
        "HOTLINE_OPEN311_JURISDICTION": _env("HOTLINE_OPEN311_JURISDICTION", "shenyang.12345.gov.cn"),
        "HOTLINE_OPEN311_CONTACT": _env("HOTLINE_OPEN311_CONTACT", "沈阳市12345政务服务便民热线，电话 12345"),
        "HOTLINE_OPEN311_KEY_SERVICE": _env("HOTLINE_OPEN311_KEY_SERVICE", "请联系热线中心系统管理员申请 api_key"),
        "HOTLINE_OPEN311_DEMO_KEY": _env("HOTLINE_OPEN311_DEMO_KEY", "demo-open311-key"),
        # What the public GET feed publishes of a report: coordinates rounded to this many
        # decimals (3 ≈ 100 m; the exact point can be someone's door), and which of the
        # free-text and place fields at all (phones and ID numbers in text always masked).
        "HOTLINE_OPEN311_COORDINATE_DECIMALS": int(_env("HOTLINE_OPEN311_COORDINATE_DECIMALS", "3")),
        "HOTLINE_OPEN311_PUBLIC_FIELDS": frozenset(
            _env("HOTLINE_OPEN311_PUBLIC_FIELDS", "description,address,lat,long,media_url").split(",")
        ),
        # Assessment: the first-contact limit behind 响应率, the weights of the
        # composite score (percent), and the points a red card costs.
        "HOTLINE_CONTACT_LIMIT": _env("HOTLINE_CONTACT_LIMIT", "1wd"),
        # 派单异议审核: a unit's 退单 waits for whoever dispatched it to accept or reject it,
        # within this limit (off: a 退单 goes straight back, unreviewed).
        "HOTLINE_RETURN_REVIEW": _flag("HOTLINE_RETURN_REVIEW"),
        "HOTLINE_RETURN_REVIEW_LIMIT": _env("HOTLINE_RETURN_REVIEW_LIMIT", "4h"),
        "HOTLINE_CONTACT_LIMIT_URGENT": _env("HOTLINE_CONTACT_LIMIT_URGENT", "2h"),
        # 长周期: an extension beyond the policy's times and days, at most this many working
        # days at a time, decided by the centre's supervisors.
        "HOTLINE_LONG_CYCLE_MAX_DAYS": int(_env("HOTLINE_LONG_CYCLE_MAX_DAYS", "30")),
        # 回访: calls on this many different half-days before a citizen counts as 未联系上
        # (空号 at once); the SMS then links to the tracking page at this address.
        "HOTLINE_VISIT_ATTEMPTS": int(_env("HOTLINE_VISIT_ATTEMPTS", "3")),
        "HOTLINE_PUBLIC_URL": _env("HOTLINE_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        # 申诉复核: how long after the rating (or the close) a unit may contest it.
        "HOTLINE_CONTEST_LIMIT": _env("HOTLINE_CONTEST_LIMIT", "5wd"),
        # 监督: the share of rated appeals the centre audits (units may have their own, on the
        # SLA page); the reasons that always bring an audit (poor, red_card, enterprise,
        # confidential, contest, and unrated if wanted); the category codes whose appeals need
        # a 核查 on the spot by the grid (a code covers the categories below it); and the
        # points a unit loses for a 虚假办结.
        "HOTLINE_AUDIT_SHARE": float(_env("HOTLINE_AUDIT_SHARE", "0.2")),
        "HOTLINE_AUDIT_ALWAYS": frozenset(
            r for r in _env("HOTLINE_AUDIT_ALWAYS", "poor,red_card,enterprise,confidential,contest").split(",") if r
        ),
        "HOTLINE_FIELD_CHECK_CATEGORIES": tuple(
            c for c in _env("HOTLINE_FIELD_CHECK_CATEGORIES", "01").split(",") if c
        ),
        "HOTLINE_FALSE_CLOSE_POINTS": float(_env("HOTLINE_FALSE_CLOSE_POINTS", "5")),
        # 挂起/缓办: the longest a pause may be asked for, in calendar days.
        "HOTLINE_PAUSE_MAX_DAYS": int(_env("HOTLINE_PAUSE_MAX_DAYS", "90")),
        # The factors of 解决率 and 满意率 (level: factor), over 有效回访.
        "HOTLINE_RESOLUTION_FACTORS": _factors(_env("HOTLINE_RESOLUTION_FACTORS", "解决:1,部分解决:0.5")),
        "HOTLINE_SATISFACTION_FACTORS": _factors(
            _env("HOTLINE_SATISFACTION_FACTORS", "非常满意:1,满意:1,基本满意:0.8,不满意:0,非常不满意:0")
        ),
        "HOTLINE_SCORE_WEIGHTS": {
            "response": float(_env("HOTLINE_SCORE_WEIGHT_RESPONSE", "30")),
            "resolution": float(_env("HOTLINE_SCORE_WEIGHT_RESOLUTION", "35")),
            "satisfaction": float(_env("HOTLINE_SCORE_WEIGHT_SATISFACTION", "35")),
        },
        # 分级分类 ranking: the fewest appeals a unit must have in the period to be ranked,
        # and how many units of a group make its 红榜 (top) and 黑榜 (bottom).
        "HOTLINE_RANK_MIN_APPEALS": int(_env("HOTLINE_RANK_MIN_APPEALS", "5")),
        "HOTLINE_RANK_BOARD": int(_env("HOTLINE_RANK_BOARD", "5")),
        "HOTLINE_RED_CARD_PENALTY": float(_env("HOTLINE_RED_CARD_PENALTY", "2")),
        # 未诉先办 hot spots: a category × community (or grid) whose appeals in a week reach
        # HOTLINE_HOTSPOT_MIN_COUNT and exceed HOTLINE_HOTSPOT_FACTOR × their mean over the
        # HOTLINE_HOTSPOT_WEEKS weeks before.
        "HOTLINE_HOTSPOT_FACTOR": float(_env("HOTLINE_HOTSPOT_FACTOR", "2")),
        "HOTLINE_HOTSPOT_MIN_COUNT": int(_env("HOTLINE_HOTSPOT_MIN_COUNT", "5")),
        "HOTLINE_HOTSPOT_WEEKS": int(_env("HOTLINE_HOTSPOT_WEEKS", "8")),
        # A base map under the grid's polygons: a tile URL template such as a centre's 天地图
        # or in-house tile server ("https://tiles.example/{z}/{x}/{y}.png"); none by default.
        "HOTLINE_MAP_TILE_URL": _env("HOTLINE_MAP_TILE_URL", ""),
        "HOTLINE_TIMEZONE": _env("HOTLINE_TIMEZONE", "Asia/Shanghai"),
        "HOTLINE_PORT": int(_env("HOTLINE_PORT", "5000")),
        "HOTLINE_DEMO_PASSWORD": _env("HOTLINE_DEMO_PASSWORD", "demo12345"),
        # werkzeug's default (scrypt); tests use a cheap method to stay fast.
        "HOTLINE_PASSWORD_METHOD": _env("HOTLINE_PASSWORD_METHOD", "scrypt"),
        "HOTLINE_TOKEN_TTL_HOURS": int(_env("HOTLINE_TOKEN_TTL_HOURS", "12")),
        # Appeal lists count matches up to this many, then say "more than" (a count that
        # reads every visible appeal is what made a large unit's list slow at scale).
        "HOTLINE_LIST_COUNT_LIMIT": int(_env("HOTLINE_LIST_COUNT_LIMIT", "10000")),
        "HOTLINE_SEARCH_COUNT_LIMIT": int(_env("HOTLINE_SEARCH_COUNT_LIMIT", "1000")),
        "HOTLINE_SIMILAR_DAYS": int(_env("HOTLINE_SIMILAR_DAYS", "30")),
        "HOTLINE_ASSIST_MIN_SAMPLES": int(_env("HOTLINE_ASSIST_MIN_SAMPLES", "100")),
        "HOTLINE_ASSIST_MAX_SAMPLES": int(_env("HOTLINE_ASSIST_MAX_SAMPLES", "200000")),
        # Rate limits on what anyone can try without an account (hotline/core/throttle.py;
        # docs/security.md lists them): a JSON object of overrides by name, e.g.
        # {"report.phone": "3 per hour; 10 per day"}.
        "HOTLINE_RATE_LIMITS": json.loads(_env("HOTLINE_RATE_LIMITS", "{}")),
        "HOTLINE_RATE_LIMITS_ENABLED": _flag("HOTLINE_RATE_LIMITS_ENABLED"),
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (nginx: 1);
        # the limits count per client address, so this must be right behind a proxy.
        "HOTLINE_PROXY_COUNT": int(_env("HOTLINE_PROXY_COUNT", "0")),
        "HOTLINE_SQLITE_BUSY_TIMEOUT_MS": int(_env("HOTLINE_SQLITE_BUSY_TIMEOUT_MS", "15000")),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        # Sent over HTTPS only; `make run` (plain http on 127.0.0.1) turns it off.
        "SESSION_COOKIE_SECURE": _flag("HOTLINE_SECURE_COOKIES"),
        # A page session ends after this long whatever happens, or after this long unused.
        "HOTLINE_SESSION_MAX_HOURS": session_hours,
        "HOTLINE_SESSION_IDLE_MINUTES": float(_env("HOTLINE_SESSION_IDLE_MINUTES", "120")),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        # The cookie is written only when the session changes (a sign-in, a flash, the
        # idle clock's once-a-minute refresh). Rewritten on every request, the answer to a
        # page's background fetch that was under way when a form was sent put back the
        # session as it was before: the flash of the form's answer (已受理, the number) was
        # lost.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "JSON_AS_ASCII": False,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
