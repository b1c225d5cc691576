"""Application error tree.

Every error carries a stable machine ``reason`` code, an HTTP status and a plain
sentence for humans. The web layer turns them into one RFC 9457 problem+json
shape; services raise them without knowing about HTTP frameworks.
"""
from __future__ import annotations

from typing import Any, ClassVar, Final, Literal


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


#: which side of the integration a vendor error comes from (the ERP, the CRM, or an alert channel such
#: as a webhook or Slack); the first word of its reason codes
Side = Literal["erp", "crm", "alert"]
ERP: Final[Side] = "erp"
CRM: Final[Side] = "crm"
ALERT: Final[Side] = "alert"


class UpstreamError(Exception):
    """A failure talking to another system (an ERP or a CRM), sorted for the caller.

    The shared error tree of every vendor call, ERP and CRM alike (one class per kind, the side is
    an attribute)::

        UpstreamError
        +-- UpstreamUnavailable       retriable: network, timeout, 5xx      -> <side>_unavailable
        |   +-- UpstreamRateLimited   retriable after ``retry_after``        -> <side>_rate_limited
        +-- UpstreamAuthFailed        credentials or permissions refused     -> <side>_auth_failed
        +-- UpstreamNotFound          the record does not exist              -> <side>_not_found
        +-- UpstreamRejected          the vendor refused the request for good -> <side>_rejected
        |   +-- MissingVendorField    an answer lacks a field the mapping needs
        |   +-- UpstreamNotSupported  the vendor's API cannot do this at all  -> <side>_not_supported
        +-- UpstreamMisconfigured     erp-panel's own settings for the vendor -> <side>_not_configured

    ``reason`` is a stable code for logs, APIs and dead letters (the kind's default, or a more
    precise one a vendor table chose); ``vendor_code`` keeps the vendor's own code;
    ``retry_after`` (seconds) comes from a vendor's Retry-After when it sent one.
    """

    retriable: ClassVar[bool] = False
    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, side: Side, reason: str | None = None, status: int | None = None,
                 retry_after: float | None = None, vendor_code: str | None = None):
        super().__init__(message)
        self.message = message
        self.side: Side = side
        self.reason: str = reason or f"{side}_{self.kind}"
        self.status = status
        self.retry_after = retry_after
        self.vendor_code = vendor_code


class UpstreamUnavailable(UpstreamError):
    """Transient: the same call may succeed later (network, timeout, 5xx, a conflicting writer)."""

    retriable = True
    kind = "unavailable"


class UpstreamRateLimited(UpstreamUnavailable):
    """The vendor asked us to slow down; ``retry_after`` says for how long when it said."""

    kind = "rate_limited"


class UpstreamAuthFailed(UpstreamError):
    """Credentials, token or permissions refused: a person has to reconnect or grant a permission."""

    kind = "auth_failed"


class UpstreamNotFound(UpstreamError):
    """The customer, deal, order or item does not exist at the vendor."""

    kind = "not_found"


class UpstreamRejected(UpstreamError):
    """The vendor refused the request for good (validation, business rule, unexpected answer)."""

    kind = "rejected"


class UpstreamNotSupported(UpstreamRejected):
    """The vendor's API offers no way to do this (e.g. cancel a sales order): the message says what to do
    in the vendor's own screens instead. A capability, not a failure: retrying will not help."""

    kind = "not_supported"


class UpstreamMisconfigured(UpstreamError):
    """erp-panel's settings for the vendor are missing or wrong (an admin fixes them on the settings page)."""

    kind = "not_configured"


class MissingVendorField(UpstreamRejected):
    """An answer lacks a field the mapping needs (renamed by an upgrade, hidden by permissions) or
    carries a value that cannot be read. Never read as zero: the figure would be a lie."""

    kind = "missing_field"

    def __init__(self, vendor: str, record: str, field: str, *, unreadable: bool = False,
                 status: int | None = None, side: Side = ERP):
        problem = "sent an unreadable value for" if unreadable else "did not send"
        super().__init__(f"{vendor} {problem} the field '{field}' of {record}; an upgrade may have renamed it "
                         "or the API user's permissions may hide it", side=side, status=status)
        self.vendor, self.record, self.field = vendor, record, field


class ConfigError(Exception):
    """Invalid configuration; raised at start-up so the process fails fast."""
