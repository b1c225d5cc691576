"""The one HTTP layer every real ERP connector uses (built on requests).

What it guarantees, so vendor clients do not have to:

* one ``requests.Session`` per connector (connection pooling), closed with it;
* a timeout on every call (``ConnectorContext.timeout``, 5 s by default);
* retries with exponential backoff only for calls the caller marks ``safe``
  (GET reads and read-only RPC calls); writes are never retried here;
* typed errors from the HTTP status: 429 -> ERPRateLimited (with Retry-After),
  5xx / connection errors / timeouts -> ERPRetriableError, 401/403 -> ERPAuthError,
  404 -> ERPNotFoundError, other 4xx -> ERPValidationError;
* messages with secrets stripped: no Authorization header, API key or request/response
  body ever reaches an exception message or a log line - only the vendor's own short
  error sentence, redacted and truncated.

Vendor clients supply ``describe_error(response) -> VendorError`` to turn their error
bodies (ERPNext ``exc_type``/``_server_messages``, Odoo ``name``/``message``) into a
message, a vendor code and optionally a more precise error class.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from app.erp.base import (
    ERPAuthError,
    ERPError,
    ERPNotFoundError,
    ERPRateLimited,
    ERPRetriableError,
    ERPValidationError,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 2
#: first backoff pause in seconds; doubles per attempt
BACKOFF_BASE = 0.25
#: a read waits out a 429 only when the ERP asks for at most this many seconds
MAX_RETRY_AFTER_WAIT = 2.0
MAX_MESSAGE = 300


@dataclass(frozen=True)
class VendorError:
    """What a vendor error body says, already free of secrets and tracebacks."""

    message: str
    code: str | None = None
    #: force a class (e.g. Odoo's AccessDenied on HTTP 500 -> ERPAuthError); None = from the status
    error_class: type[ERPError] | None = None
    reason: str | None = None


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` and cut it to a log-friendly length."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; HTTP dates are treated as unknown)."""
    if not value:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        return None


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
    """ERPHttp keyword arguments from a ConnectorContext: timeout, plus retry count and sleep
    (overridable through settings extras ``erp_http_retries`` / ``erp_http_sleep``, e.g. in tests)."""
    extra = getattr(ctx, "extra", None) or {}
    return {"timeout": ctx.timeout or DEFAULT_TIMEOUT, "retries": int(extra.get("erp_http_retries", DEFAULT_RETRIES)),
            "sleep": extra.get("erp_http_sleep", time.sleep)}


class ERPHttp:
    """A pooled, time-limited, retrying HTTP client for one ERP connection."""

    def __init__(self, base_url: str, *, vendor: str, headers: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 secrets: Iterable[str] = (), describe_error: Callable[[requests.Response], VendorError] = plain_error,
                 sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.vendor = vendor
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.retries = max(int(retries), 0)
        self.secrets = tuple(s for s in secrets if s)
        self.describe_error = describe_error
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "erp-panel/1.0"})
        self.session.headers.update(headers or {})

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None, data: Any = None, safe: bool | None = None,
                check: Callable[[requests.Response], None] | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        """Send one request; ``safe`` (default: GET only) allows retries. Returns a 2xx response or raises.

        ``path`` is relative to the base URL, or an absolute URL on the same origin (vendors' own
        next-page links); any other origin is refused so credentials never travel elsewhere.
        ``check`` inspects a 2xx response and may raise a typed error (protocols such as Odoo's
        JSON-RPC report errors inside HTTP 200 bodies); retriable ones take part in the retries.
        """
        safe = method.upper() == "GET" if safe is None else safe
        attempts = 1 + (self.retries if safe else 0)
        for attempt in range(attempts):
            try:
                response = self._send(method, path, params=params, json=json, data=data, headers=headers)
                if check is not None:
                    check(response)
                return response
            except ERPRetriableError as exc:
                if attempt + 1 >= attempts:
                    raise
                pause = BACKOFF_BASE * (2 ** attempt)
                if isinstance(exc, ERPRateLimited) and exc.retry_after is not None:
                    if exc.retry_after > MAX_RETRY_AFTER_WAIT:
                        raise      # the caller (cache, job queue) waits longer than a request should
                    pause = max(pause, exc.retry_after)
                log.info("%s %s %s failed (%s); retry %d in %.2fs", self.vendor, method, path, exc.reason,
                         attempt + 1, pause)
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path``; absolute URLs must share the base URL's scheme and host."""
        if "://" not in path:
            return f"{self.base_url}/{path.lstrip('/')}"
        wanted, base = urlsplit(path), urlsplit(self.base_url)
        if (wanted.scheme, wanted.netloc.lower()) != (base.scheme, base.netloc.lower()):
            raise ERPValidationError(f"{self.vendor} pointed to another host ({wanted.netloc}); not followed",
                                     reason="erp_bad_response")
        return path

    def send_raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, never retried, that returns 4xx/5xx answers instead of raising (for
        libraries such as msal that read OAuth error bodies themselves). Timeouts and network
        failures still raise the typed retriable errors."""
        return self._send(method, path, raise_for_status=False, **kwargs)

    def _send(self, method: str, path: str, *, raise_for_status: bool = True, **kwargs: Any) -> requests.Response:
        url = self.url_for(path)
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise ERPRetriableError(f"{self.vendor} did not answer within {self.timeout:g} s",
                                    reason="erp_timeout") from None
        except requests.ConnectionError as exc:
            # the exception text can carry the full URL and proxy details: only its type is kept
            raise ERPRetriableError(f"Cannot reach {self.vendor} at {self._host()} ({type(exc).__name__})",
                                    reason="erp_unreachable") from None
        except requests.RequestException as exc:
            raise ERPRetriableError(f"{self.vendor} request failed: {type(exc).__name__}",
                                    reason="erp_unavailable") from None
        elapsed_ms = (time.monotonic() - started) * 1000
        log.debug("%s %s %s -> %s in %.0f ms", self.vendor, method, path, response.status_code, elapsed_ms)
        if response.status_code < 400 or not raise_for_status:
            return response
        raise self.error_from(response)

    def error_from(self, response: requests.Response) -> ERPError:
        """Typed error for a failed response, with the vendor's message redacted."""
        try:
            vendor = self.describe_error(response)
        except ValueError:
            vendor = plain_error(response)
        message = redact(f"{self.vendor}: {vendor.message}", self.secrets)
        return error_for_status(response.status_code, message, code=vendor.code,
                                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                                error_class=vendor.error_class, reason=vendor.reason)

    def _host(self) -> str:
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]

    def json(self, response: requests.Response) -> Any:
        """Decoded JSON body; a non-JSON 2xx answer (wrong URL, proxy page) is a clear fatal error."""
        try:
            return response.json()
        except ValueError:
            raise ERPValidationError(f"{self.vendor} at {self._host()} did not answer with JSON; "
                                     "check the URL", reason="erp_bad_response",
                                     status=response.status_code) from None
