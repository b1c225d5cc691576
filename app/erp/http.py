"""ERP side of the outbound HTTP layer: a base URL, vendor error bodies, redaction.

Transport (policy-guarded session, timeouts, uniform "could not connect" errors, retries of
reads with back-off and short Retry-After waits) is :class:`app.net.client.OutboundHTTP`;
this module adds what is ERP-specific:

* typed errors from the HTTP status: 429 -> ERPRateLimited (with Retry-After),
  5xx / 408 -> ERPRetriableError, 401/403 -> ERPAuthError, 404 -> ERPNotFoundError,
  other 4xx -> ERPValidationError;
* messages with secrets stripped: no Authorization header, API key or request/response
  body ever reaches an exception message or a log line - only the vendor's own short
  error sentence, redacted and truncated.

Vendor clients supply ``describe_error(response) -> VendorError`` to turn their error
bodies (ERPNext ``exc_type``/``_server_messages``, Odoo ``name``/``message``) into a
message, a vendor code and optionally a more precise error class.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import requests

from app.erp.base import (
    ERPAuthError,
    ERPError,
    ERPFatalError,
    ERPNotFoundError,
    ERPRateLimited,
    ERPRetriableError,
    ERPValidationError,
    MissingVendorField,
)
from app.net.client import ErrorKinds, OutboundHTTP, RetryPolicy, host_of, retry_after_seconds
from app.net.policy import OutboundPolicy, URLRefused

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 2
#: reads: pauses 0.25 s, 0.5 s, ...; a 429 is waited out in-request only up to 2 s
ERP_RETRY = RetryPolicy(retries=DEFAULT_RETRIES, first_pause=0.25, factor=2.0, max_retry_after_wait=2.0)
ERP_ERRORS = ErrorKinds(retriable=ERPRetriableError, fatal=ERPFatalError, prefix="erp")
MAX_MESSAGE = 300


@dataclass(frozen=True)
class VendorError:
    """What a vendor error body says, already free of secrets and tracebacks."""

    message: str
    code: str | None = None
    #: force a class (e.g. Odoo's AccessDenied on HTTP 500 -> ERPAuthError); None = from the status
    error_class: type[ERPError] | None = None
    reason: str | None = None
    #: (record type, field) when the vendor said a field the request named does not exist
    missing_field: tuple[str, str] | None = None


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` and cut it to a log-friendly length."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def error_for_status(status: int, message: str, *, code: str | None = None,
                     retry_after: float | None = None, error_class: type[ERPError] | None = None,
                     reason: str | None = None) -> ERPError:
    """The typed connector error for an HTTP status (or a vendor-forced class)."""
    kwargs: dict[str, Any] = {"status": status, "vendor_code": code}
    if reason:
        kwargs["reason"] = reason
    if error_class is not None:
        if issubclass(error_class, ERPRetriableError):
            return error_class(message, retry_after=retry_after, **kwargs)
        return error_class(message, **kwargs)
    if status == 429:
        return ERPRateLimited(message, retry_after=retry_after, **kwargs)
    if status >= 500 or status == 408:
        return ERPRetriableError(message, retry_after=retry_after, **kwargs)
    if status in (401, 403):
        kwargs.setdefault("reason", "erp_auth_failed" if status == 401 else "erp_permission_denied")
        return ERPAuthError(message, **kwargs)
    if status == 404:
        return ERPNotFoundError(message, **kwargs)
    return ERPValidationError(message, **kwargs)


def plain_error(response: requests.Response) -> VendorError:
    """Error description from the status line only (bodies that are not the vendor's JSON)."""
    return VendorError(f"HTTP {response.status_code} {response.reason or ''}".strip())


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The decoded error body when it is a JSON object, else None (HTML error pages, plain text)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def http_options(ctx: Any) -> dict[str, Any]:
    """ERPHttp keyword arguments from a ConnectorContext: timeout and outbound policy, plus retry count
    and sleep (overridable through settings extras ``erp_http_retries`` / ``erp_http_sleep``, e.g. in tests)."""
    extra = getattr(ctx, "extra", None) or {}
    return {"timeout": ctx.timeout or DEFAULT_TIMEOUT, "retries": int(extra.get("erp_http_retries", DEFAULT_RETRIES)),
            "sleep": extra.get("erp_http_sleep", time.sleep),
            "policy": getattr(ctx, "outbound", None) or OutboundPolicy()}


class ERPHttp:
    """A pooled, time-limited, retrying HTTP client for one ERP connection (a base URL under the policy)."""

    def __init__(self, base_url: str, *, vendor: str, headers: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 secrets: Iterable[str] = (), describe_error: Callable[[requests.Response], VendorError] = plain_error,
                 sleep: Callable[[float], None] = time.sleep, policy: OutboundPolicy | None = None):
        policy = policy or OutboundPolicy()
        self.base_url = base_url.strip().rstrip("/")
        check_base_url(self.base_url, vendor, policy)
        self.vendor = vendor
        self.secrets = tuple(s for s in secrets if s)
        self.describe_error = describe_error
        self.net = OutboundHTTP(vendor=vendor, errors=ERP_ERRORS, policy=policy, timeout=timeout, sleep=sleep,
                                retry=replace(ERP_RETRY, retries=max(int(retries), 0)),
                                headers={"Accept": "application/json", **(headers or {})})

    @property
    def timeout(self) -> float:
        return self.net.timeout

    def close(self) -> None:
        self.net.close()

    def set_auth(self, auth: requests.auth.AuthBase) -> None:
        """Sign every request of this connection (bearer tokens, OAuth 1.0a)."""
        self.net.session.auth = auth

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path``; an absolute URL (a vendor's next-page link) must share the base
        URL's scheme and host, so credentials never travel to another host."""
        if "://" not in path:
            return f"{self.base_url}/{path.lstrip('/')}"
        wanted, base = urlsplit(path), urlsplit(self.base_url)
        if (wanted.scheme, wanted.netloc.lower()) != (base.scheme, base.netloc.lower()):
            raise ERPValidationError(f"{self.vendor} pointed to another host ({wanted.netloc}); not followed",
                                     reason="erp_bad_response")
        return path

    def send_raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, never retried, that returns 4xx/5xx answers instead of raising (for libraries
        such as msal that read OAuth error bodies themselves); transport failures still raise."""
        return self.net.send(method, self.url_for(path), **kwargs)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None, data: Any = None, safe: bool | None = None,
                check: Callable[[requests.Response], None] | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        """Send one request; ``safe`` (default: GET only) allows retries. Returns a 2xx response or raises.

        ``check`` inspects a 2xx response and may raise a typed error (protocols such as Odoo's
        JSON-RPC report errors inside HTTP 200 bodies); retriable ones take part in the retries.
        """
        url = self.url_for(path)

        def attempt() -> requests.Response:
            response = self.net.send(method, url, params=params, json=json, data=data, headers=headers)
            if response.status_code >= 400:
                raise self.error_from(response)
            if check is not None:
                check(response)
            return response

        return self.net.with_retries(attempt, safe=method.upper() == "GET" if safe is None else safe,
                                     what=f"{method} {path}")

    def error_from(self, response: requests.Response) -> ERPError:
        """Typed error for a failed response, with the vendor's message redacted."""
        try:
            vendor = self.describe_error(response)
        except ValueError:
            vendor = plain_error(response)
        if vendor.missing_field is not None:
            return MissingVendorField(self.vendor, *vendor.missing_field, status=response.status_code)
        message = redact(f"{self.vendor}: {vendor.message}", self.secrets)
        return error_for_status(response.status_code, message, code=vendor.code,
                                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                                error_class=vendor.error_class, reason=vendor.reason)

    def json(self, response: requests.Response) -> Any:
        """Decoded JSON body; a non-JSON 2xx answer (wrong URL, proxy page) is a clear fatal error."""
        try:
            return response.json()
        except ValueError:
            raise ERPValidationError(f"{self.vendor} at {host_of(self.base_url)} did not answer with JSON; "
                                     "check the URL", reason="erp_bad_response",
                                     status=response.status_code) from None


def check_base_url(url: str, vendor: str, policy: OutboundPolicy) -> None:
    """ERPFatalError (reason ``erp_url_refused``) naming the problem when the policy refuses the ERP address."""
    try:
        policy.check_url(url)
    except URLRefused as exc:
        raise ERPFatalError(f"{vendor} address refused: {exc.message}", reason="erp_url_refused") from None
