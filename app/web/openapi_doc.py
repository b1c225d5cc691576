"""What makes openapi.yaml a document clients can generate from: operation ids, servers, security.

Every operation gets a stable ``operationId`` from one rule (``operation_id``); a view may set its
own with ``@blp.doc(operationId=...)``. The server is relative (``/``: the host that serves the
document), so the committed file does not depend on the machine that generated it.
"""
from __future__ import annotations

from typing import Any

from apispec import BasePlugin

#: Declared on operations that take no bearer token because the CRM signs the request itself.
NO_BEARER_TOKEN: list[dict[str, list[str]]] = []


def spec_options() -> dict[str, Any]:
    """API_SPEC_OPTIONS for flask-smorest (a fresh dict each time: apispec keeps and merges it)."""
    return {
        "info": {"description": "ERP panel for CRM widgets, CRM webhooks and admin operations."},
        # The API is served by the deployment that serves /api/openapi.json (its PUBLIC_BASE_URL).
        "servers": [{"url": "/", "description": "The erp-panel deployment serving this document"}],
        "components": {"securitySchemes": {
            "widgetToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                            "description": "Short-lived widget token from POST /api/v1/widget/session"},
            "adminToken": {"type": "http", "scheme": "bearer",
                           "description": "Admin API token (ADMIN_TOKEN) or an admin session token"},
        }},
    }


def operation_id(endpoint: str, method: str) -> str:
    """The operationId rule: blueprint name in camelCase + HTTP method + view name.

    ``("admin_api.AdminSettings", "put")`` -> ``adminApiPutAdminSettings``;
    ``("panel.WidgetSession", "post")`` -> ``panelPostWidgetSession``.
    """
    blueprint, _, view = endpoint.partition(".")
    first, *rest = blueprint.split("_")
    return first + "".join(word.capitalize() for word in rest) + method.capitalize() + view[:1].upper() + view[1:]


class OperationIdPlugin(BasePlugin):
    """apispec plugin: sets the rule's operationId on every operation that has none; ids must be unique."""

    def __init__(self) -> None:
        self._operations_by_id: dict[str, str] = {}

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        """Called by apispec for each path; ``kwargs['rule']`` is the Flask URL rule (its endpoint)."""
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for method, operation in operations.items():
            chosen = operation.setdefault("operationId", operation_id(rule.endpoint, method))
            where = f"{method.upper()} {path}"
            if self._operations_by_id.setdefault(chosen, where) != where:
                raise ValueError(f"operationId {chosen!r} names both {self._operations_by_id[chosen]} and {where}; "
                                 "rename a view or set @blp.doc(operationId=...)")
