"""A time-limited, retrying HTTP client for one vendor connection (a base URL), ERP or CRM.

Transport (policy-guarded session, timeouts, uniform "could not connect" errors, retries of
safe calls with back-off and short Retry-After waits) is :class:`app.net.client.OutboundHTTP`;
failed answers become the shared error tree through the vendor's :class:`VendorTable`. Secrets
given here are stripped from every message.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests

from app.errors import UpstreamError, UpstreamMisconfigured, UpstreamRejected
from app.net.client import NO_RETRY, OutboundHTTP, RetryPolicy, host_of
from app.net.policy import OutboundPolicy, URLRefused
from app.net.vendor import VendorTable

DEFAULT_TIMEOUT = 5.0


class VendorHTTP:
    """Requests against one vendor base URL under the outbound policy, failures sorted by the vendor's table."""

    def __init__(self, base_url: str, *, table: VendorTable, headers: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, retry: RetryPolicy = NO_RETRY, secrets: Iterable[str] = (),
                 sleep: Callable[[float], None] = time.sleep, policy: OutboundPolicy | None = None):
        policy = policy or OutboundPolicy()
        self.table = table
        self.base_url = base_url.strip().rstrip("/")
        check_base_url(self.base_url, table, policy)
        self.vendor = table.vendor
        self.secrets = tuple(s for s in secrets if s)
        self.net = OutboundHTTP(vendor=table.vendor, side=table.side, policy=policy, timeout=timeout, sleep=sleep,
                                retry=retry, headers={"Accept": "application/json", **(headers or {})})

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
            raise UpstreamRejected(f"{self.vendor} pointed to another host ({wanted.netloc}); not followed",
                                   side=self.table.side, reason=f"{self.table.side}_bad_response")
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

    def error_from(self, response: requests.Response) -> UpstreamError:
        """The error a failed answer means, with the vendor's message redacted."""
        return self.table.error_for(response, secrets=self.secrets)

    def json(self, response: requests.Response) -> Any:
        """Decoded JSON body; a non-JSON 2xx answer (wrong URL, proxy page) is a clear error."""
        try:
            return response.json()
        except ValueError:
            raise UpstreamRejected(f"{self.vendor} at {host_of(self.base_url)} did not answer with JSON; "
                                   "check the URL", side=self.table.side, reason=f"{self.table.side}_bad_response",
                                   status=response.status_code) from None


def check_base_url(url: str, table: VendorTable, policy: OutboundPolicy) -> None:
    """UpstreamMisconfigured (``<side>_url_refused``) naming the problem when the policy refuses the address."""
    try:
        policy.check_url(url)
    except URLRefused as exc:
        raise UpstreamMisconfigured(f"{table.vendor} address refused: {exc.message}", side=table.side,
                                    reason=f"{table.side}_url_refused") from None
