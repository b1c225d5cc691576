"""Serving /metrics: who may read it, and the text of one scrape.

The web app's ``/metrics`` and the order worker's own metrics port (``WORKER_METRICS_PORT``) use
the same access rule and the same scrape: in multiprocess mode the sum of every process's files
(:mod:`app.ops.multiproc`), else this process's registry, plus what :mod:`app.ops.collector`
reads from the database.
"""
from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from app.ops.collector import DatabaseCollector
from app.ops.multiproc import multiprocess_dir

log = logging.getLogger("erp_panel.ops")


class MetricsRefused(Exception):
    """This request may not read the metrics: ``status`` 404 (metrics off) or 401 (token needed)."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def check_metrics_access(settings: Any, bearer: str) -> None:
    """Raise MetricsRefused unless ``bearer`` may read the metrics.

    Without METRICS_TOKEN: open in development, off (404) in production. With it: the bearer token
    must match (constant-time compare).
    """
    expected = settings.metrics_token
    if not expected:
        if settings.is_production:
            raise MetricsRefused(404, "metrics_disabled", "Metrics are off: set METRICS_TOKEN and scrape with "
                                                          "that bearer token")
        return
    if not hmac.compare_digest(bearer.encode(), expected.encode()):
        raise MetricsRefused(401, "metrics_token_required", "Send METRICS_TOKEN as 'Authorization: Bearer <token>'")


class _Combined:
    """Several collectors read as one registry (what ``generate_latest`` needs: a ``collect``)."""

    def __init__(self, collectors: Iterable[Any]):
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def scrape(database: DatabaseCollector) -> bytes:
    """The text exposition of every metric (all processes in multiprocess mode) plus the database's."""
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        return generate_latest(_Combined([registry, database]))
    return generate_latest(_Combined([REGISTRY, database]))


def bearer_of(authorization: str) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature names it format
        log.debug("worker metrics: " + format, *args)


WSGIApp = Callable[[dict, Callable[..., Any]], list[bytes]]


def metrics_app(settings: Any, database: DatabaseCollector) -> WSGIApp:
    """A WSGI app answering ``GET /metrics`` under the access rule (for ``erp-panel worker``)."""
    def app(environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        try:
            check_metrics_access(settings, bearer_of(environ.get("HTTP_AUTHORIZATION", "")))
        except MetricsRefused as exc:
            headers = [("Content-Type", "text/plain")]
            if exc.status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="metrics"'))
            start_response(f"{exc.status} {'Unauthorized' if exc.status == 401 else 'Not Found'}", headers)
            return [exc.message.encode() + b"\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [scrape(database)]
    return app


def serve_worker_metrics(settings: Any, database: DatabaseCollector, port: int,
                         host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104 - Prometheus scrapes from elsewhere
    """Serve /metrics on ``port`` from a daemon thread; returns the server (``shutdown()`` stops it)."""
    server = make_server(host, port, metrics_app(settings, database), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    log.info("worker metrics served", extra={"ctx": {"port": server.server_port}})
    return server
