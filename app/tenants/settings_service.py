"""What an admin can change for a tenant: ERP connection, order behaviour, account links.

Used by the settings page and the admin API alike (no HTTP here). Every change is
validated first (``SettingsInvalid`` lists every problem), stored, and then the
tenant's cached connector and panel data are forgotten so the next read uses it. Every
change (and every connection test, which sends the credentials) is recorded in the admin
audit by the actor the service was built for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.domain.customer import ERPCustomer
from app.erp import registry as erp_registry
from app.erp.base import ConnectionCheck, ERPConnector
from app.erp.registry import ERPRegistry
from app.errors import NotFound, UpstreamError
from app.linking.service import LinkingService
from app.net.policy import URLRefused
from app.ops.admin_audit import BoundAudit, changed_values, secret_states
from app.panel.figures import FigurePolicy
from app.panel.service import PanelService
from app.tenants.model import ERPConnectionSettings, Tenant, TenantSettings
from app.tenants.settings_rules import (
    MAX_CRM_ACCOUNT_ID,
    MAX_ERP_CUSTOMER_ID,
    MAX_MULTILINE_SETTING_VALUE,
    MAX_SETTING_VALUE,
    Issue,
    SettingsInvalid,
    check_credit_policy,
    check_field_mapping,
    check_minutes,
    check_percent,
    check_status_translations,
    check_stock_items,
    clean_text,
    raise_if,
)
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.admin")

#: TenantSettings fields an admin may change through ``update_settings``
EDITABLE_SETTINGS = ("credit_hold_policy", "shadow_mode", "status_translations", "field_mapping",
                     "stock_items", "default_warehouse", "price_tolerance_percent", "status_poll_minutes",
                     "create_customers")
#: editable settings that are on or off, with the sentence a value that is neither gets
_SWITCHES = {"shadow_mode": "Shadow mode must be on or off.",
             "create_customers": "Creating customers in the ERP must be on or off."}

#: how each remaining editable setting is checked: (submitted value, issues) -> the value to store
_SETTING_CHECKS: dict[str, Callable[[Any, list[Issue]], Any]] = {
    "credit_hold_policy": check_credit_policy,
    "field_mapping": check_field_mapping,
    "stock_items": check_stock_items,
    "default_warehouse": lambda value, issues: clean_text(value, "default_warehouse", "Default warehouse", issues,
                                                          required=False),
    "price_tolerance_percent": lambda value, issues: check_percent(value, "price_tolerance_percent",
                                                                   "Price tolerance", issues),
    "status_poll_minutes": lambda value, issues: check_minutes(value, "status_poll_minutes",
                                                               "Order status poll interval", issues),
}


class TenantSettingsService:
    """Validates and applies admin changes for one tenant at a time."""

    def __init__(self, tenants: TenantStore, erp: ERPRegistry, panel: PanelService, audit: BoundAudit,
                 linking: LinkingService):
        self.tenants = tenants
        self.erp = erp
        self.panel = panel
        self.audit = audit
        self.linking = linking

    # -- ERP connection ----------------------------------------------------------
    def prepare_connection(self, tenant_id: str, connector: str, values: dict[str, Any]) -> ERPConnectionSettings:
        """Submitted form/API values -> connection settings, keeping stored secrets left blank.

        A secret is kept only when the connector stays the same; switching connectors
        never carries credentials over.
        """
        issues: list[Issue] = []
        description = erp_registry.describe(connector or "")
        choices = self.erp.available()
        if description is not None and description.demo_only and connector not in choices:
            raise SettingsInvalid([Issue("connector", "demo_connector_refused",
                                         erp_registry.demo_only_sentence(description))])
        if description is None or connector not in choices:
            raise SettingsInvalid([Issue("connector", "unknown_connector",
                                         f"'{connector}' is not an available ERP connector; choose one of: "
                                         f"{', '.join(choices)}.")])
        known = {f.name for f in description.fields}
        for name in sorted(set(values) - known):
            issues.append(Issue(name, "unknown_setting_field",
                                f"'{name}' is not a setting of the {description.label} connector."))
        stored = self.tenants.get_erp_connection(tenant_id)
        same = stored is not None and stored.connector == connector
        config: dict[str, str] = {}
        secrets: dict[str, str] = {}
        for field in description.fields:
            value = clean_text(values.get(field.name), field.name, field.label, issues, required=False,
                               max_length=MAX_MULTILINE_SETTING_VALUE if field.multiline else MAX_SETTING_VALUE)
            if field.secret:
                kept = stored.secrets.get(field.name, "") if (same and stored is not None) else ""
                value = value or kept
                target = secrets
            else:
                value = value or field.default
                target = config
            if value and field.url:
                self._check_url(field.name, field.label, value, issues)
            if value:
                target[field.name] = value
            elif field.required:
                issues.append(Issue(field.name, "missing_required_field", f"{field.label} is required."))
        raise_if(issues)
        return ERPConnectionSettings(connector=connector, config=config, secrets=secrets)

    def _check_url(self, name: str, label: str, value: str, issues: list[Issue]) -> None:
        """The outbound URL policy, without any network: scheme, credentials, host spelling, address literal."""
        try:
            self.erp.context.outbound.check_url(value)
        except URLRefused as exc:
            issues.append(Issue(name, exc.reason, f"{label}: {exc.message}"))

    def save_connection(self, tenant_id: str, connector: str, values: dict[str, Any]) -> ERPConnectionSettings:
        """Validate, check the connector can be built from it, store (secrets encrypted), forget caches."""
        conn = self.prepare_connection(tenant_id, connector, values)
        built = self._build(conn)
        built.close()
        stored = self.tenants.get_erp_connection(tenant_id)
        self.tenants.save_erp_connection(tenant_id, conn.connector, conn.config, conn.secrets)
        self.forget_caches(tenant_id)
        old_secrets, new_secrets = secret_states(stored.secrets if stored else {}, conn.secrets)
        self.audit.record(tenant_id, "erp_connection.save", target=conn.connector,
                          before={"connector": stored.connector, "config": stored.config, "secrets": old_secrets}
                          if stored else {},
                          after={"connector": conn.connector, "config": conn.config, "secrets": new_secrets})
        log.info("ERP connection saved for tenant %s (connector=%s)", tenant_id, conn.connector)
        return conn

    def test_connection(self, tenant_id: str, connector: str, values: dict[str, Any]) -> ConnectionCheck:
        """Build a fresh connector from the submitted settings and run its connection check."""
        check = self._check(tenant_id, connector, values)
        self.audit.record(tenant_id, "erp_connection.test", target=connector,
                          detail=f"{'works' if check.ok else 'failed'} ({check.reason or 'ok'})")
        return check

    def _check(self, tenant_id: str, connector: str, values: dict[str, Any]) -> ConnectionCheck:
        conn = self.prepare_connection(tenant_id, connector, values)
        try:
            built = self._build(conn)
        except SettingsInvalid as exc:
            return ConnectionCheck(False, exc.reason, exc.detail)
        try:
            return built.check_connection()
        except UpstreamError as exc:
            return ConnectionCheck(False, exc.reason, exc.message)
        except Exception as exc:  # noqa: BLE001 - a connector bug must still give the admin an answer
            log.warning("connection check raised %s for tenant %s", type(exc).__name__, tenant_id)
            return ConnectionCheck(False, "connector_error",
                                   "The connector failed unexpectedly while testing; the error has been logged.")
        finally:
            built.close()

    def _build(self, conn: ERPConnectionSettings) -> ERPConnector:
        try:
            return self.erp.build(conn)
        except UpstreamError as exc:
            raise SettingsInvalid([Issue("connector", exc.reason, exc.message)]) from None
        except (ValueError, TypeError, KeyError):
            # Exception text may echo setting values; say what to check instead.
            raise SettingsInvalid([Issue("connector", "invalid_setting_value",
                                         "These settings cannot be used by the connector; check that numbers, "
                                         "URLs and names have the expected form.")]) from None

    def forget_caches(self, tenant_id: str) -> None:
        """Drop the tenant's cached connector and panel data after a settings change."""
        self.erp.forget(tenant_id)
        self.panel.forget_tenant(tenant_id)

    # -- order behaviour -----------------------------------------------------------
    def update_settings(self, tenant_id: str, changes: dict[str, Any]) -> TenantSettings:
        """Apply a partial update of the editable settings; unknown keys are rejected."""
        tenant = self._tenant(tenant_id)
        issues: list[Issue] = []
        for key in sorted(set(changes) - set(EDITABLE_SETTINGS)):
            issues.append(Issue(key, "unknown_setting", f"'{key}' is not a setting that can be changed here."))
        values = {key: self._checked(key, changes[key], tenant, issues) for key in EDITABLE_SETTINGS if key in changes}
        raise_if(issues)
        settings = replace(tenant.settings, **values)
        self.tenants.save_settings(tenant_id, settings)
        self.panel.forget_tenant(tenant_id)
        old, new = tenant.settings.to_dict(), settings.to_dict()
        before, after = changed_values({k: old[k] for k in values}, {k: new[k] for k in values})
        self.audit.record(tenant_id, "settings.update", target=", ".join(sorted(after)) or "no change",
                          before=before, after=after)
        return settings

    @staticmethod
    def _checked(key: str, value: Any, tenant: Tenant, issues: list[Issue]) -> Any:
        """One editable setting's new value (problems go to ``issues``)."""
        if key in _SWITCHES:
            if not isinstance(value, bool):
                issues.append(Issue(key, "not_boolean", _SWITCHES[key]))
            return bool(value)
        if key == "status_translations":
            merged = dict(tenant.settings.status_translations)
            merged.update(check_status_translations(value, issues))
            return merged
        return _SETTING_CHECKS[key](value, issues)

    # -- role-based figures ----------------------------------------------------------
    def update_figure_policy(self, tenant_id: str, raw: dict[str, Any]) -> FigurePolicy:
        """Replace who sees which panel sections (``FigurePolicy.parse`` names every problem)."""
        tenant = self._tenant(tenant_id)
        policy = FigurePolicy.parse(raw)
        before = FigurePolicy.parse(tenant.settings.figure_policy).to_dict()
        self.tenants.save_settings(tenant_id, replace(tenant.settings, figure_policy=policy.to_dict()))
        old, new = changed_values(before, policy.to_dict())
        self.audit.record(tenant_id, "figures.save", target="panel sections", before=old, after=new)
        return policy

    # -- account links -------------------------------------------------------------
    def link_account(self, tenant_id: str, crm_account_id: Any, erp_customer_id: Any) -> ERPCustomer:
        """Link a CRM account to an ERP customer (replacing an existing link), after the ERP confirmed the
        customer exists and is not disabled; returns that customer (its name goes beside the id)."""
        issues: list[Issue] = []
        account = clean_text(crm_account_id, "crm_account_id", "CRM account id", issues,
                             max_length=MAX_CRM_ACCOUNT_ID)
        customer = clean_text(erp_customer_id, "erp_customer_id", "ERP customer id", issues,
                              max_length=MAX_ERP_CUSTOMER_ID)
        raise_if(issues)
        found = self.linking.check_link(tenant_id, customer)
        previous = self.tenants.list_links(tenant_id).get(account)
        self.tenants.link_account(tenant_id, account, customer, source="admin")
        self.panel.forget_tenant(tenant_id)       # cached checks of its deals (order readiness) named the old link
        self.audit.record(tenant_id, "link.save", target=account,
                          before={"erp_customer_id": previous} if previous else {},
                          after={"erp_customer_id": customer, "erp_customer_name": found.name})
        return found

    def unlink_account(self, tenant_id: str, crm_account_id: str) -> None:
        """Remove a link; NotFound when this tenant has no link for the account."""
        previous = self.tenants.list_links(tenant_id).get(crm_account_id)
        if previous is None:
            raise NotFound(f"CRM account '{crm_account_id}' is not linked to an ERP customer.",
                           reason="link_not_found")
        self.tenants.unlink_account(tenant_id, crm_account_id)
        self.audit.record(tenant_id, "link.remove", target=crm_account_id,
                          before={"erp_customer_id": previous}, after={})

    def _tenant(self, tenant_id: str) -> Tenant:
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound("No such installation", reason="unknown_tenant")
        return tenant
