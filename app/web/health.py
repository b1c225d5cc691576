"""Liveness, readiness and Prometheus metrics.

/metrics is public only in development without METRICS_TOKEN. With METRICS_TOKEN set it needs
``Authorization: Bearer <METRICS_TOKEN>`` (constant-time compare); in production without it the
route answers 404, so metrics never leak from the public address by default. The rule and the
scrape (every process in multiprocess mode, plus the queue read from the database) live in
``app.ops.exposition``, shared with the order worker's metrics port.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from app.errors import NotFound, Unauthorized
from app.ops.exposition import MetricsRefused, check_metrics_access, scrape
from app.readiness import readiness
from app.web.context import presented_bearer, services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 while the database answers (Redis down is "degraded", still ready); 503 otherwise."""
    svc = services()
    ready, body = readiness(svc.db, svc.cache)
    return jsonify(body), 200 if ready else 503


def require_metrics_access() -> None:
    """Raise unless this request may read /metrics (see the module docstring)."""
    try:
        check_metrics_access(services().settings, presented_bearer())
    except MetricsRefused as exc:
        if exc.status == 404:
            raise NotFound(exc.message, reason=exc.reason) from None
        raise Unauthorized(exc.message, reason=exc.reason, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}) \
            from None


@bp.get("/metrics")
def metrics() -> Response:
    require_metrics_access()
    return Response(scrape(services().ops.collector), mimetype=CONTENT_TYPE_LATEST)
