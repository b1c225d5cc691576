"""Liveness, readiness and Prometheus metrics."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.web.context import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    svc = services()
    try:
        with svc.db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        return jsonify(status="unavailable", reason="database_unreachable"), 503
    return jsonify(status="ok", database=svc.db.dialect)


@bp.get("/metrics")
def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
