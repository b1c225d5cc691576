"""The webhook endpoint of every CRM that declares a ``webhook_rule``: verify, hand won deals to the
order intake (stores + enqueues only, so the answer goes out in milliseconds), acknowledge.

Registered for each integration of ``app.crm.registry.INTEGRATIONS`` with a rule (running here or
not: a CRM without app credentials refuses every delivery).
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response

from app.crm.registry import INTEGRATIONS
from app.errors import Unauthorized
from app.web.context import services
from app.web.crm.common import receive_events


def deliver(name: str, **path_params: str) -> Response:
    """One delivery for the integration called ``name``."""
    integration = services().crm.find(name)
    if integration is None:
        raise Unauthorized("This server does not take deliveries from this CRM", reason="invalid_credentials")
    outcome, results = receive_events(integration, **path_params)
    answer = integration.acknowledge(outcome, [result.status for result in results])
    return Response(answer.body, status=answer.status, content_type=answer.content_type)


def register(app: Flask) -> None:
    """Webhook endpoints for every CRM this release ships that declares one."""
    bp = Blueprint("crm_webhooks", __name__)
    for kind in INTEGRATIONS:
        if kind.webhook_rule:
            bp.add_url_rule(kind.webhook_rule, f"{kind.name}_webhook",
                            lambda n=kind.name, **params: deliver(n, **params), methods=["POST"])
    app.register_blueprint(bp)
