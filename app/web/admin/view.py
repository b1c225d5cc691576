"""Builds the template model of the settings page from the tenant's stored settings."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.erp import registry as erp_registry
from app.erp.base import ConnectionCheck
from app.linking.health import LinkState
from app.linking.orphans import find_orphans
from app.orders.error_queue import ErrorQueue
from app.tenants.model import DEFAULT_STATUS_TRANSLATIONS, Tenant, TenantSettings
from app.tenants.settings_rules import CREDIT_HOLD_POLICIES, MAPPING_SOURCE_HELP, ORDER_MAPPING_FIELDS
from app.tenants.settings_service import TenantSettingsService
from app.web.admin import secret_drafts
from app.web.admin.audit import admin_audit
from app.web.admin.audit_view import audit_section
from app.web.admin.checklist import checklist, checklist_model
from app.web.admin.figures_view import figures_section
from app.web.admin.linking_view import search_section
from app.web.admin.operations_view import alert_section
from app.web.context import services
from app.web.csrf import CSRF_FIELD, csrf_token

BLANK_MAPPING_ROWS = 2

#: first sentence of a failed connection test, by reason code (the connector's own message follows)
CHECK_HEADLINES = {
    # reasons the connectors' check_connection reports (app/erp/<vendor>/probe.py)
    "bad_credentials": "The ERP rejected the credentials.",
    "wrong_url": "The URL does not lead to the expected ERP.",
    "missing_permission": "The ERP user is missing a permission.",
    "wrong_database": "The ERP database name is wrong.",
    "unknown_company": "The company was not found in the ERP.",
    "unknown_warehouse": "A warehouse was not found in the ERP.",
    "unknown_location": "A location was not found in the ERP.",
    "unknown_subsidiary": "The subsidiary was not found in the ERP.",
    "wrong_account": "The ERP account id is wrong or the account cannot be reached.",
    "wrong_tenant": "The Microsoft Entra tenant was not found.",
    "wrong_environment": "The Business Central environment was not found.",
    "missing_field": "The ERP did not send a field erp-panel needs.",
    # generic connector error reasons (app/erp/base.py)
    "erp_auth_failed": "The ERP rejected the credentials.",
    "erp_unavailable": "The ERP could not be reached.",
    "erp_rate_limited": "The ERP is limiting requests right now.",
    "erp_permission_denied": "The ERP user is missing a permission.",
    "erp_not_found": "The ERP address does not look like the expected ERP.",
    "erp_not_configured": "The connection is not fully configured.",
    "erp_unreachable": "The ERP could not be reached.",
    "erp_url_refused": "The ERP address is not allowed.",
    "erp_redirect_refused": "The ERP address redirects elsewhere.",
    "erp_missing_field": "The ERP did not send a field erp-panel needs.",
    "erp_concurrent_update": "The ERP was busy with a conflicting change; try again.",
}


def settings_service() -> TenantSettingsService:
    """The settings service bound to this app's tenant store, ERP registry and panel cache, recording its
    changes as this request's admin."""
    svc = services()
    return TenantSettingsService(svc.tenants, svc.erp, svc.panel, admin_audit(), svc.linking)


def error_queue() -> ErrorQueue:
    """The error queue over this app's dead letters and order readiness."""
    svc = services()
    return ErrorQueue(svc.orders.dead_letters, svc.orders.readiness)


def check_sentence(check: ConnectionCheck) -> str:
    """A connection test result as one or two plain sentences."""
    if check.ok:
        return f"The connection works. {check.message}".strip()
    headline = CHECK_HEADLINES.get(check.reason, "The connection test failed.")
    return f"{headline} {check.message} (reason: {check.reason})"


def _label(name: str) -> str:
    spec = erp_registry.describe(name)
    return spec.label if spec is not None else name


def _erp_section(tenant: Tenant, chosen: str | None, submitted: dict[str, str] | None,
                 errors: dict[str, list[str]]) -> dict[str, Any]:
    svc = services()
    available = svc.erp.available()
    stored = svc.tenants.get_erp_connection(tenant.id)
    chosen = chosen or (stored.connector if stored else svc.settings.erp_connector) or available[0]
    description = erp_registry.describe(chosen)
    same = stored if stored is not None and stored.connector == chosen else None
    kept = secret_drafts.kept(tenant.id, chosen)
    fields = []
    for field in description.fields if description else ():
        if field.secret:
            value = ""
        elif submitted is not None:
            value = submitted.get(field.name, "")
        else:
            value = same.config.get(field.name, field.default) if same else field.default
        fields.append({"name": field.name, "label": field.label, "secret": field.secret, "multiline": field.multiline,
                       "required": field.required, "help": field.help, "value": value,
                       "is_set": bool(field.secret and same and same.secrets.get(field.name)),
                       "kept": field.name in kept,
                       "errors": errors.get(field.name, [])})
    return {"connectors": [(name, _label(name)) for name in available],
            "selected": chosen, "description": description, "fields": fields,
            "stored_connector": stored.connector if stored else None,
            "connector_errors": errors.get("connector", []) or (
                [] if description and chosen in available else [f"'{chosen}' is not an available ERP connector."]),
            "other_errors": [m for k, msgs in errors.items() if k not in {f["name"] for f in fields}
                             and k != "connector" for m in msgs]}


def _order_section(settings: TenantSettings, submitted: dict[str, Any] | None,
                   errors: dict[str, list[str]]) -> dict[str, Any]:
    if submitted is None:
        submitted = {"credit_hold_policy": settings.credit_hold_policy, "shadow_mode": settings.shadow_mode,
                     "default_warehouse": settings.default_warehouse,
                     "price_tolerance_percent": settings.price_tolerance_percent,
                     "status_poll_minutes": settings.status_poll_minutes,
                     "create_customers": settings.create_customers,
                     "status_translations": settings.status_translations,
                     "mapping_rows": sorted(settings.field_mapping.items()),
                     "stock_items": "\n".join(settings.stock_items)}
    statuses = [{"code": code, "default": default, "value": submitted["status_translations"].get(code, default),
                 "errors": errors.get(f"status_translations.{code}", [])}
                for code, default in DEFAULT_STATUS_TRANSLATIONS.items()]
    rows = [{"key": k, "source": s, "errors": errors.get(f"field_mapping.{k}", [])}
            for k, s in submitted["mapping_rows"]]
    rows += [{"key": "", "source": "", "errors": []}] * BLANK_MAPPING_ROWS
    mapping_errors = [m for k, msgs in errors.items() if k.startswith("field_mapping.")
                      and k.split(".", 1)[1] not in {r["key"] for r in rows} for m in msgs]
    return {"form": submitted, "policies": CREDIT_HOLD_POLICIES, "statuses": statuses, "mapping_rows": rows,
            "mapping_fields": ORDER_MAPPING_FIELDS, "mapping_errors": mapping_errors,
            "mapping_source_help": MAPPING_SOURCE_HELP,
            "status_errors": [m for k, msgs in errors.items() if k.startswith("status_translations.")
                              and k.split(".", 1)[1] not in DEFAULT_STATUS_TRANSLATIONS for m in msgs],
            "errors": errors}


def _crm_links(tenant: Tenant) -> list[tuple[str, str]]:
    """The settings hook of the tenant's CRM integration."""
    integration = services().crm.find(tenant.crm)
    if integration is None:
        return []
    # Only same-site paths or https URLs: never javascript: or other schemes in an href.
    return [(link.label, link.href) for link in integration.settings_links(tenant)
            if link.href.startswith("/") or link.href.startswith("https://")]


FieldErrors = dict[str, list[str]]


def _links_section(tenant: Tenant) -> dict[str, Any]:
    """Every link with its customer's name and health, and a sentence when the ERP could not be asked."""
    svc = services()
    links, error = svc.linking.health(tenant.id)
    return {"links": links, "links_error": error,
            "orphans": find_orphans(tenant, svc.tenants, svc.crm, svc.orders.dead_letters, links),
            "links_broken": sum(1 for link in links if link.state in (LinkState.GONE, LinkState.DISABLED))}


def settings_page_model(tenant: Tenant, *, connector: str | None = None, notice: str | None = None,
                        selected: str | None = None, check: ConnectionCheck | None = None,
                        erp_errors: FieldErrors | None = None, erp_submitted: dict[str, str] | None = None,
                        order_errors: FieldErrors | None = None, order_submitted: dict[str, Any] | None = None,
                        link_errors: FieldErrors | None = None, link_submitted: dict[str, str] | None = None,
                        alerts: dict[str, Any] | None = None, audit: dict[str, Any] | None = None,
                        figures: dict[str, Any] | None = None, search_args: Mapping[str, str] | None = None,
                        link_warning: str = "", create_refusal: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything settings.html renders; ``*_errors`` map field names to plain sentences; ``alerts`` is the
    Alerts section's model (``app.web.admin.operations_view.alert_section``; built from the stored contacts
    when None); ``audit`` the Audit section's (``app.web.admin.audit_view.audit_section``; unfiltered when None);
    ``search_args`` the customer search form's GET parameters; ``create_refusal`` why creating an orphan's
    customer was refused (``crm_account_id``, ``message``, ``duplicate``: a "Create anyway" button)."""
    links = _links_section(tenant)
    groups = error_queue().groups(tenant)
    return {
        "checklist": checklist_model(checklist(tenant, links["links"], links["orphans"], groups)),
        "tenant": tenant, "notice": notice, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(),
        "erp": _erp_section(tenant, selected or connector, erp_submitted, erp_errors or {}),
        "check": check, "check_sentence": check_sentence(check) if check else "",
        "orders": _order_section(tenant.settings, order_submitted, order_errors or {}),
        **links, "link_warning": link_warning, "create_refusal": create_refusal,
        "link_errors": link_errors or {}, "link_submitted": link_submitted or {},
        "crm_links": _crm_links(tenant),
        "customer_search": search_section(tenant, search_args or {}),
        "error_groups": groups,
        "reconciliation": services().orders.reconciliation.latest(tenant.id),
        "alerts": alerts or alert_section(tenant),
        "audit": audit or audit_section(tenant, {}),
        "figures": figures or figures_section(tenant),
    }
