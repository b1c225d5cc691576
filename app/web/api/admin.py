"""JSON admin API: tenant settings, ERP connection (secrets write-only), connection test, account links.

Auth: ``Authorization: Bearer <admin session token>`` or the operator ADMIN_TOKEN
with an explicit ``tenant_id``. A change authenticated by the settings page's cookie
instead must pass the shared CSRF rule (``app.web.csrf``: same origin + ``X-CSRF-Token``).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.erp import registry as erp_registry
from app.tenants.model import TenantSettings
from app.tenants.settings_rules import CREDIT_HOLD_POLICIES, ORDER_MAPPING_FIELDS
from app.web.admin.session import active_admin_tenant
from app.web.admin.view import check_sentence, settings_service
from app.web.api.admin_ops import admin_operation
from app.web.api.admin_schemas import (
    AccountLinkRequestSchema,
    AccountLinkSchema,
    AccountLinksSchema,
    ConnectionCheckSchema,
    ConnectionRequestSchema,
    ConnectionSchema,
    ConnectionTestRequestSchema,
    ConnectorListSchema,
    SettingsResponseSchema,
    TenantSettingsSchema,
)
from app.web.context import services
from app.web.csrf import protect_admin_blueprint
from app.web.problems import alt_problem

blp = protect_admin_blueprint(Blueprint(
    "admin_api", __name__, url_prefix="/api/v1/admin",
    description="Admin: ERP connection, order behaviour and account links of one installation"))

_SETTINGS_KEYS = tuple(TenantSettingsSchema().fields)
_admin_op = admin_operation(blp)


def _settings_body(tenant_id: str, tenant_settings: TenantSettings) -> dict[str, Any]:
    settings = tenant_settings.to_dict()
    body = {key: settings[key] for key in _SETTINGS_KEYS}
    body.update(tenant_id=tenant_id, allowed_mapping_fields=ORDER_MAPPING_FIELDS,
                credit_hold_policies=list(CREDIT_HOLD_POLICIES))
    return body


def _describe(name: str) -> dict[str, Any]:
    spec = erp_registry.describe(name)
    if spec is None:
        return {"name": name, "label": name, "permissions_help": "", "fields": []}
    return {"name": name, "label": spec.label, "permissions_help": spec.permissions_help,
            "fields": [asdict(f) for f in spec.fields]}


def _connection_body(tenant_id: str) -> dict[str, Any]:
    stored = services().tenants.get_erp_connection(tenant_id)
    body: dict[str, Any] = {"tenant_id": tenant_id, "connector": None, "label": None, "config": {}, "secrets_set": [],
            "fields": [], "permissions_help": "", "available": services().erp.available()}
    if stored is not None:
        body.update(stored.redacted())
        if erp_registry.describe(stored.connector) is not None:
            described = _describe(stored.connector)
            body.update(label=described["label"], permissions_help=described["permissions_help"],
                        fields=described["fields"])
    body["config"] = {k: str(v) for k, v in body["config"].items()}
    return body


@blp.route("/settings")
class AdminSettings(MethodView):
    @_admin_op
    @blp.response(200, SettingsResponseSchema)
    def get(self, tenant_id: str) -> dict[str, Any]:
        """Order behaviour: credit-hold policy, shadow mode, status translations, field mapping, stock items."""
        tenant = active_admin_tenant(tenant_id)
        return _settings_body(tenant.id, tenant.settings)

    @_admin_op
    @blp.arguments(TenantSettingsSchema)
    @blp.response(200, SettingsResponseSchema)
    @alt_problem(blp, 422, "A value was rejected; 'reasons' names each field's reason code")
    def put(self, body: dict[str, Any], tenant_id: str) -> dict[str, Any]:
        """Change any subset of the order behaviour settings."""
        tenant = active_admin_tenant(tenant_id)
        return _settings_body(tenant.id, settings_service().update_settings(tenant.id, body))


@blp.route("/erp-connectors")
class AdminERPConnectors(MethodView):
    @_admin_op
    @blp.response(200, ConnectorListSchema)
    def get(self, tenant_id: str) -> dict[str, Any]:
        """The ERP connectors this server offers, with the settings each one takes."""
        active_admin_tenant(tenant_id)
        return {"connectors": [_describe(name) for name in services().erp.available()]}


@blp.route("/erp-connection")
class AdminERPConnection(MethodView):
    @_admin_op
    @blp.response(200, ConnectionSchema)
    def get(self, tenant_id: str) -> dict[str, Any]:
        """The stored ERP connection: connector, non-secret config and which secrets are set."""
        return _connection_body(active_admin_tenant(tenant_id).id)

    @_admin_op
    @blp.arguments(ConnectionRequestSchema)
    @blp.response(200, ConnectionSchema)
    @alt_problem(blp, 422, "Unknown connector, unknown or missing setting")
    def put(self, body: dict[str, Any], tenant_id: str) -> dict[str, Any]:
        """Replace the ERP connection (secrets stored encrypted; blank secrets keep the stored ones)."""
        tenant = active_admin_tenant(tenant_id)
        settings_service().save_connection(tenant.id, body["connector"], body["values"])
        return _connection_body(tenant.id)


@blp.route("/erp-connection/test")
class AdminERPConnectionTest(MethodView):
    @_admin_op
    @blp.arguments(ConnectionTestRequestSchema)
    @blp.response(200, ConnectionCheckSchema)
    @alt_problem(blp, 422, "The submitted settings are incomplete or unknown")
    def post(self, body: dict[str, Any], tenant_id: str) -> dict[str, Any]:
        """Test connection settings without saving them (blank secrets use the stored ones;
        without ``connector`` the stored connection is tested)."""
        tenant = active_admin_tenant(tenant_id)
        connector, values = body["connector"], body["values"]
        if connector is None:
            # no connector named: test the stored connection, with any submitted values on top
            stored = services().tenants.get_erp_connection(tenant.id)
            connector = stored.connector if stored else ""
            values = {**(stored.config if stored else {}), **values}
        check = settings_service().test_connection(tenant.id, connector, values)
        return {"ok": check.ok, "reason": check.reason, "message": check.message,
                "sentence": check_sentence(check), "details": dict(check.details)}


@blp.route("/account-links")
class AdminAccountLinks(MethodView):
    @_admin_op
    @blp.response(200, AccountLinksSchema)
    def get(self, tenant_id: str) -> dict[str, Any]:
        """Every CRM account -> ERP customer link of the installation, with the customer's name and the
        link's health as the ERP answers now."""
        links, message = services().linking.health(active_admin_tenant(tenant_id).id)
        return {"links": [{"crm_account_id": h.crm_account_id, "erp_customer_id": h.erp_customer_id,
                           "erp_customer_name": h.customer_name, "state": h.state.value, "duplicate": h.duplicate,
                           "message": h.sentence} for h in links], "message": message}


@blp.route("/account-links/<string:crm_account_id>")
class AdminAccountLink(MethodView):
    @_admin_op
    @blp.arguments(AccountLinkRequestSchema)
    @blp.response(200, AccountLinkSchema)
    @alt_problem(blp, 422, "Missing or too long ids, a customer the ERP does not know or has disabled, or an "
                           "ERP that could not be asked")
    def put(self, body: dict[str, Any], crm_account_id: str, tenant_id: str) -> dict[str, Any]:
        """Link (or re-link) one CRM account to an ERP customer; the ERP is asked first whether the customer
        exists and is enabled."""
        tenant = active_admin_tenant(tenant_id)
        customer = settings_service().link_account(tenant.id, crm_account_id, body["erp_customer_id"])
        warning = services().linking.write_to_crm(tenant, crm_account_id.strip(), customer.customer_id)
        return {"crm_account_id": crm_account_id.strip(), "erp_customer_id": customer.customer_id,
                "erp_customer_name": customer.name, "state": "ok", "duplicate": False, "message": warning}

    @_admin_op
    @blp.response(204)
    def delete(self, crm_account_id: str, tenant_id: str) -> None:
        """Remove one link; the panel then shows the account as not linked."""
        settings_service().unlink_account(active_admin_tenant(tenant_id).id, crm_account_id)
