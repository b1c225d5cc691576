"""Liveness, readiness and Prometheus metrics.

/metrics is public only in development without METRICS_TOKEN. With METRICS_TOKEN set it needs
``Authorization: Bearer <METRICS_TOKEN>`` (constant-time compare); in production without it the
route answers 404, so metrics never leak from the public address by default.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.errors import NotFound, Unauthorized
from app.readiness import readiness
from app.web.context import presented_bearer, services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 while the database answers (Redis down is "degraded", still ready); 503 otherwise."""
    ready, body = readiness(services())
    return jsonify(body), 200 if ready else 503


def require_metrics_access() -> None:
    """Raise unless this request may read /metrics (see the module docstring)."""
    settings = services().settings
    expected = settings.metrics_token
    if not expected:
        if settings.is_production:
            raise NotFound("Metrics are off: set METRICS_TOKEN and scrape with that bearer token",
                           reason="metrics_disabled")
        return
    if not hmac.compare_digest(presented_bearer().encode(), expected.encode()):
        raise Unauthorized("Send METRICS_TOKEN as 'Authorization: Bearer <token>'", reason="metrics_token_required",
                           headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


@bp.get("/metrics")
def metrics():
    require_metrics_access()
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
