"""requests sessions that enforce the outbound policy, down to the connection urllib3 opens.

``guard_session`` turns any ``requests.Session`` (ours, or authlib's ``OAuth2Session``) into
one that

* checks every request URL against the policy before anything is sent (:class:`OutboundRefused`);
* resolves the host itself and connects only to a resolved address the policy allows - the
  address that is checked is the address that is connected to, so DNS rebinding cannot
  swap it in between (urllib3's ``HTTPConnection._new_conn`` is replaced for that);
* never follows a redirect (:class:`RedirectRefused`): a redirect would carry the
  Authorization header or the token form to an address nobody checked;
* ignores proxy variables and ``.netrc`` (``trust_env`` off: a proxy would make the
  connect-time check meaningless, and ``.netrc`` could attach credentials), while keeping
  an operator's CA bundle (``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``);
* always sends a timeout (``DEFAULT_TIMEOUT`` when a caller forgets one);
* reports every call (vendor, outcome, latency, API budget headers) to :mod:`app.ops.outbound`.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import time
from functools import cache
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from app.net.policy import OutboundPolicy, URLRefused

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


class OutboundRefused(requests.RequestException):
    """The policy refused a request URL before any connection (``reason`` names the rule)."""

    def __init__(self, reason: str, message: str, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.reason = reason
        self.message = message


class RedirectRefused(requests.RequestException):
    """The server answered with a redirect, which is never followed."""


class AddressRefused(OSError):
    """Every address the host resolved to is outside the policy (reported like any failed connect)."""


def open_checked_connection(policy: OutboundPolicy, host: str, port: int, timeout: Any,
                            source_address: tuple[str, int] | None,
                            socket_options: Any) -> socket.socket:
    """Like ``socket.create_connection``, but each resolved address is checked before connecting to it."""
    host = host.strip("[]")
    last_error: OSError | None = None
    refused: list[str] = []
    for family, socktype, proto, _name, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        if not policy.allows_address(str(sockaddr[0])):
            refused.append(str(sockaddr[0]))
            continue
        sock = socket.socket(family, socktype, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is None or isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            last_error = exc
            sock.close()
    if last_error is not None:
        raise last_error
    # for the operator only: users get the same sentence as for any failed connection
    log.warning("outbound connection to %s refused by the outbound policy (resolved to %s)", host,
                ", ".join(refused) or "nothing")
    raise AddressRefused(f"{host} resolves only to addresses the outbound policy does not allow")


class _CheckedConnection:
    """Mixin for urllib3 connections: open the socket through ``open_checked_connection``."""

    outbound_policy: OutboundPolicy

    def _new_conn(self) -> socket.socket:
        # same exception translation as urllib3.connection.HTTPConnection._new_conn
        conn: Any = self
        try:
            sock = open_checked_connection(self.outbound_policy, conn._dns_host, conn.port, conn.timeout,
                                           conn.source_address, conn.socket_options)
        except socket.gaierror as exc:
            raise NameResolutionError(conn.host, conn, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", conn, conn.host, conn.port)
        return sock


@cache
def _pool_classes(policy: OutboundPolicy) -> dict[str, type]:
    """urllib3 pool classes whose connections carry ``policy`` (one set per distinct policy)."""
    plain = type("CheckedHTTPConnection", (_CheckedConnection, HTTPConnection), {"outbound_policy": policy})
    tls = type("CheckedHTTPSConnection", (_CheckedConnection, HTTPSConnection), {"outbound_policy": policy})
    return {"http": type("CheckedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("CheckedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": tls})}


class PolicyAdapter(HTTPAdapter):
    """Transport adapter: URL check before sending, address check at connect, always a timeout, no proxies.

    ``vendor`` names the system called (for the call metrics); every request is reported, answered or not.
    """

    def __init__(self, policy: OutboundPolicy, vendor: str = "", **kwargs: Any):
        self.policy = policy
        self.vendor = vendor
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        # imported at the first call, not with this module: a process that never calls a vendor (a metrics
        # scrape) then creates no metrics of its own, whose start values would skew the multiprocess gauges
        from app.ops.outbound import observe_call
        try:
            self.policy.check_url(request.url or "")
        except URLRefused as exc:
            observe_call(self.vendor, None, 0.0, refused=True)
            raise OutboundRefused(exc.reason, exc.message, request=request) from None
        started = time.monotonic()
        try:
            response = super().send(request, stream=stream, timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                                    verify=verify, cert=cert, proxies=None)
        except requests.RequestException:
            observe_call(self.vendor, None, time.monotonic() - started)
            raise
        observe_call(self.vendor, response, time.monotonic() - started)
        return response


def _refuse_redirects(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    if response.is_redirect:
        host = (response.url or "").split("://", 1)[-1].split("/", 1)[0]
        response.close()
        raise RedirectRefused(f"{host} answered with a redirect (HTTP {response.status_code}); redirects are not "
                              "followed, so credentials never travel to another address. Enter the address it "
                              "redirects to instead.", response=response)
    return response


def guard_session(session: requests.Session, policy: OutboundPolicy, vendor: str = "") -> requests.Session:
    """Make ``session`` obey ``policy`` (see the module docstring); returns it for chaining.

    ``vendor`` names the system it calls in the outbound call metrics.
    """
    adapter = PolicyAdapter(policy, vendor)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.trust_env = False
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.max_redirects = 0
    session.hooks.setdefault("response", []).append(_refuse_redirects)
    return session


def policy_session(policy: OutboundPolicy, vendor: str = "") -> requests.Session:
    """A new pooled session obeying ``policy`` (``vendor``: see ``guard_session``)."""
    return guard_session(requests.Session(), policy, vendor)
