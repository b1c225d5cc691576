"""Application error tree.

Every error carries a stable machine ``reason`` code, an HTTP status and a plain
sentence for humans. The web layer turns them into one RFC 9457 problem+json
shape; services raise them without knowing about HTTP frameworks.
"""
from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base for errors the API reports as problem+json."""

    status = 500
    reason = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str | None = None, *, reason: str | None = None,
                 status: int | None = None, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if reason:
            self.reason = reason
        if status:
            self.status = status
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(AppError):
    status = 400
    reason = "bad_request"
    title = "Bad request"


class ValidationFailed(AppError):
    status = 422
    reason = "validation_failed"
    title = "The request did not pass validation"


class Unauthorized(AppError):
    status = 401
    reason = "unauthorized"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    reason = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    reason = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    reason = "conflict"
    title = "Conflict"


class RateLimited(AppError):
    status = 429
    reason = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **kwargs: Any):
        headers = {"Retry-After": str(max(int(retry_after), 1))}
        super().__init__(detail, headers=headers, **kwargs)
        self.retry_after = max(int(retry_after), 1)


class ServiceUnavailable(AppError):
    status = 503
    reason = "service_unavailable"
    title = "Service unavailable"


class UpstreamError(Exception):
    """A failure talking to another system (ERP or CRM), sorted for the caller.

    ``retriable`` says whether the same call may succeed later; ``reason`` is a
    stable code for logs, APIs and dead letters; ``retry_after`` (seconds) comes
    from a vendor's Retry-After when it sent one.
    """

    retriable = False
    reason = "upstream_error"

    def __init__(self, message: str, *, reason: str | None = None, status: int | None = None,
                 retry_after: float | None = None, vendor_code: str | None = None):
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.vendor_code = vendor_code


class ConfigError(Exception):
    """Invalid configuration; raised at start-up so the process fails fast."""
