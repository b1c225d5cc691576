"""Shared plumbing for the ERP HTTP fakes: request log, injected faults, JSON replies.

Faults are queued and consumed by the next matching request, so tests stay
deterministic and never sleep: a slow ERP is simulated by raising requests.Timeout
exactly where requests would raise it.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

Reply = tuple[int, dict[str, str], str] | Exception


@dataclass
class SeenRequest:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    timeout: Any
    headers: dict[str, str]


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body)


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "text/plain", **(headers or {})}, text


class FakeHTTP:
    """Base for vendor fakes: records every request and plays queued faults first.

    ``auth_paths``: path prefixes of token/identity endpoints; faults queued without a
    ``path_contains`` never hit them (name the path to fault a token request).
    """

    auth_paths: tuple[str, ...] = ()

    def __init__(self):
        self.seen: list[SeenRequest] = []
        self._faults: list[tuple[str, str | None]] = []

    def fail_next(self, kind: str, *, count: int = 1, path_contains: str | None = None) -> None:
        """Queue faults: timeout | timeout_after | connection | unavailable | rate_limited | auth | forbidden |
        validation; ``path_contains`` limits a fault to matching requests ("POST /api/...")."""
        self._faults.extend([(kind, path_contains)] * count)

    def data_requests(self) -> list[SeenRequest]:
        """Requests to the ERP's data API (token and identity traffic left out)."""
        return [r for r in self.seen if not r.path.startswith(self.auth_paths or ("\0",))]

    def requests_to(self, fragment: str, method: str | None = None) -> list[SeenRequest]:
        return [r for r in self.seen if fragment in r.path and (method is None or r.method == method)]

    def handler(self, route: Callable[[SeenRequest], Reply]) -> Callable[[requests.PreparedRequest], Reply]:
        """Wrap a vendor router into a responses callback with logging and fault injection."""
        def callback(request: requests.PreparedRequest) -> Reply:
            parts = urlsplit(request.url)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            raw = request.body.decode() if isinstance(request.body, bytes) else request.body
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            seen = SeenRequest(request.method, parts.path, params, body,
                               getattr(request, "req_kwargs", {}).get("timeout"), dict(request.headers))
            self.seen.append(seen)
            fault = self._take_fault(self.route_key(seen))
            if fault == "timeout_after":
                route(seen)      # the ERP commits, then the answer is lost on the way back
                return requests.ReadTimeout("read timed out after the server committed (fake)")
            if fault is not None:
                return self.fault_reply(fault)
            return route(seen)
        return callback

    def route_key(self, seen: SeenRequest) -> str:
        """What ``path_contains`` of a queued fault is matched against ("METHOD /path" by default)."""
        return f"{seen.method} {seen.path}"

    def _take_fault(self, path: str) -> str | None:
        is_auth = bool(self.auth_paths) and path.split(" ", 1)[-1].startswith(self.auth_paths)
        for index, (kind, fragment) in enumerate(self._faults):
            if (fragment is None and not is_auth) or (fragment is not None and fragment in path):
                del self._faults[index]
                return kind
        return None

    def fault_reply(self, kind: str) -> Reply:
        if kind == "timeout":
            return requests.ReadTimeout("read timed out (fake)")
        if kind == "connection":
            return requests.ConnectionError("connection refused (fake)")
        return self.vendor_fault(kind)

    def vendor_fault(self, kind: str) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError
