"""Rate limits (限流) on what anyone can try without an account or before signing in:
citizen reports, tracking by 查询码, photo uploads, Open311 POST, sign-in and tokens.

Built on `limits` (the library Flask-Limiter stands on) with sliding-window counters, in
Redis when HOTLINE_REDIS_URL is set (shared by every worker and host) and in memory
otherwise. A feature declares its limits as data (`Limit`); HOTLINE_RATE_LIMITS overrides
any of them by name. Two ways to count:

- `spend(limit, key)`: every attempt counts; the one over the limit is refused.
- `check(limit, key)` before, `count(limit, key)` after a failure: only failures count
  (wrong passwords, wrong 查询码), so the rightful user is never refused for using it.

Refusals are 429 with Retry-After and a Chinese message. If the limits' storage cannot be
reached the request goes through (logged): a hotline must keep taking reports."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from hotline.core.errors import TooManyRequests

log = logging.getLogger(__name__)
EXTENSION = "hotline.throttle"


@dataclass(frozen=True)
class Limit:
    name: str  # its key in HOTLINE_RATE_LIMITS
    default: str  # e.g. "5 per hour; 20 per day"
    message: str  # what the refused person is told, before "请…后再试"
    about: str  # what is counted (docs/security.md lists every limit)


LIMITS: dict[str, Limit] = {}


def declare(name: str, default: str, message: str, about: str) -> Limit:
    parse_many(default)  # a bad default fails at import, not on a request
    limit = LIMITS[name] = Limit(name, default, message, about)
    return limit


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)}分钟"
    return f"{math.ceil(seconds / 3600)}小时"


@dataclass
class _Throttle:
    enabled: bool
    storage: Storage
    strategy: SlidingWindowCounterRateLimiter
    items: dict[str, list[RateLimitItem]]


def init_app(app: Flask) -> None:
    """Parse every limit with its override (an unknown name or a bad value stops the app
    here, not on a request) and open the storage."""
    overrides: dict[str, str] = app.config["HOTLINE_RATE_LIMITS"]
    unknown = sorted(set(overrides) - set(LIMITS))
    if unknown:
        raise ValueError(f"HOTLINE_RATE_LIMITS names unknown limits {unknown}; known: {sorted(LIMITS)}")
    items = {name: parse_many(overrides.get(name, limit.default)) for name, limit in LIMITS.items()}
    redis_url = app.config["HOTLINE_REDIS_URL"]
    storage = storage_from_string(redis_url if redis_url else "memory://")
    assert isinstance(storage, Storage)  # not the asyncio kind: the URL schemes are sync ones
    app.extensions[EXTENSION] = _Throttle(
        app.config["HOTLINE_RATE_LIMITS_ENABLED"], storage, SlidingWindowCounterRateLimiter(storage), items
    )


def client_address() -> str:
    """Who is asking: the client's IP (behind HOTLINE_PROXY_COUNT trusted proxies, the one
    they forwarded), an IPv6 address by its /64, which one subscriber usually holds whole."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _throttle() -> _Throttle | None:
    throttle: _Throttle = current_app.extensions[EXTENSION]
    return throttle if throttle.enabled else None


def _refuse_if_spent(throttle: _Throttle, limit: Limit, key: str, cost: int) -> None:
    for item in throttle.items[limit.name]:
        if not throttle.strategy.test(item, limit.name, key, cost=cost):
            reset = throttle.strategy.get_window_stats(item, limit.name, key).reset_time
            seconds = max(1, math.ceil(reset - time.time()))
            raise TooManyRequests(f"{limit.message}，请{_wait(seconds)}后再试", seconds)


def _hit(throttle: _Throttle, limit: Limit, key: str, cost: int) -> None:
    for item in throttle.items[limit.name]:
        throttle.strategy.hit(item, limit.name, key, cost=cost)


def _guarded(action) -> None:
    try:
        action()
    except TooManyRequests:
        raise
    except Exception:  # the storage is down: keep serving, say so in the log
        log.exception("rate limit storage unavailable; request allowed")


def spend(limit: Limit, key: str, cost: int = 1) -> None:
    """Count `cost` attempts of `key`; 429 if that would pass any window of the limit."""
    throttle = _throttle()
    if throttle is None or cost <= 0:
        return

    def hit() -> None:
        _refuse_if_spent(throttle, limit, key, cost)
        _hit(throttle, limit, key, cost)

    _guarded(hit)


def check(limit: Limit, key: str) -> None:
    """429 if `key` has used up the limit (nothing counted)."""
    throttle = _throttle()
    if throttle is not None:
        _guarded(lambda: _refuse_if_spent(throttle, limit, key, 1))


def count(limit: Limit, key: str) -> None:
    """Count one failure of `key` (never refuses: the caller is answering it already)."""
    throttle = _throttle()
    if throttle is not None:
        _guarded(lambda: _hit(throttle, limit, key, 1))
