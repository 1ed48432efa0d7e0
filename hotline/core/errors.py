"""Errors an operation raises for its caller to answer: the JSON API renders them as
{"error": {"code", "message", "fields"}}, the pages as a message beside the form."""

from __future__ import annotations


class AppError(Exception):
    status = 500
    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **details):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details
        self.headers: dict[str, str] = {}  # e.g. Retry-After on a 429

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message, "fields": self.fields}
        error.update(self.details)
        return {"error": error}


class BadRequest(AppError):
    status = 400
    code = "invalid"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class RetryLater(AppError):
    """Refused for now; the Retry-After header says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class TooManyRequests(RetryLater):
    status = 429
    code = "rate_limited"


class Busy(RetryLater):
    """The server is at its bound for this kind of work (e.g. decoding photos)."""

    status = 503
    code = "busy"
