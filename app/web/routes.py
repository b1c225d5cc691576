"""Registers every blueprint; integrations add theirs through optional modules."""
from __future__ import annotations

from app.plugins import import_optional

#: optional web modules exposing ``register(app, api, services)`` (present once their issue lands)
OPTIONAL_WEB_MODULES = [
    "app.web.admin",          # settings page + admin API (ERP connection, mappings, translations, links)
    "app.web.orders_admin",   # jobs, dead letters, replay, audit trail (issue 3)
    "app.web.demo_orders",    # demo CRM "Mark won" -> signed event -> intake (issue 3)
    "app.web.pipedrive",      # Pipedrive install, panels, webhooks (issue 4)
    "app.web.hubspot",        # HubSpot install, card data, webhooks (issue 6)
    "app.web.ops_pages",      # the operations page: health of each tenant
    "app.web.ops_api",        # the same as JSON for the operator token / admin sessions
]


def register_blueprints(app, api, services) -> None:
    from app.web import demo, health, panel_api, widgets

    api.register_blueprint(panel_api.blp)
    app.register_blueprint(widgets.bp)
    app.register_blueprint(health.bp)
    if services.settings.demo_enabled:
        app.register_blueprint(demo.bp)
        demo.bootstrap(services)
    for module_name in OPTIONAL_WEB_MODULES:
        module = import_optional(module_name)
        if module is not None:
            module.register(app, api, services)
