"""Registers every blueprint, by surface: widget/panel API, admin pages, admin API, CRM routes, health."""
from __future__ import annotations

from flask import Flask

from app.services import Services
from app.web import health, widgets
from app.web.admin import operations as operations_pages
from app.web.admin import pages as admin_pages
from app.web.api import admin as admin_api
from app.web.api import admin_audit as admin_audit_api
from app.web.api import linking as linking_api
from app.web.api import ops as ops_api
from app.web.api import orders as orders_api
from app.web.crm import demo, hubspot, install, pipedrive, salesforce, webhooks
from app.web.panel import api as panel_api
from app.web.panel import deals as deals_api
from app.web.problems import ProblemApi


def register_blueprints(app: Flask, api: ProblemApi, services: Services) -> None:
    """Every route of the app; the demo surfaces only where the demo runs."""
    api.register_blueprint(panel_api.blp)
    api.register_blueprint(deals_api.blp)
    app.register_blueprint(widgets.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(admin_pages.bp)
    api.register_blueprint(admin_api.blp)
    api.register_blueprint(admin_audit_api.blp)
    api.register_blueprint(linking_api.blp)
    api.register_blueprint(orders_api.blp)
    install.register(app)
    webhooks.register(app)
    pipedrive.register(app, api)
    hubspot.register(app, api)
    salesforce.register(app)
    app.register_blueprint(operations_pages.bp)
    api.register_blueprint(ops_api.blp)
    running_demo = services.crm.of_kind(demo.DemoIntegration)
    if running_demo is not None:
        demo.register(app, running_demo)
