"""Tenant and tenant-settings value objects."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

#: canonical order status -> text written to the CRM deal (admin-editable per tenant)
DEFAULT_STATUS_TRANSLATIONS: dict[str, str] = {
    "draft": "Draft in ERP",
    "pending": "Pending approval",
    "open": "Open",
    "fulfilled": "Delivered",
    "closed": "Closed",
    "cancelled": "Cancelled",
    "on_hold": "On hold",
    "failed": "Failed",
    "blocked_credit_hold": "Blocked: customer on credit hold",
    "flagged_credit_hold": "flagged: customer on credit hold",
    # the order's life after creation (order status polling)
    "confirmed": "Confirmed",
    "partly_delivered": "Partly delivered",
    "delivered": "Delivered",
    "invoiced": "Invoiced",
    "paid": "Paid",
    "not_delivered": "Not delivered",
    "not_invoiced": "Not invoiced",
    "outstanding": "outstanding",
}


@dataclass
class TenantSettings:
    """Per-tenant behaviour the admin can change on the settings page."""

    credit_hold_policy: str = "block"            # "block" | "create_and_flag"
    shadow_mode: bool = False
    status_translations: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_TRANSLATIONS))
    #: CRM field keys (vendor-specific ids/hashes) chosen by the admin
    crm_fields: dict[str, str] = field(default_factory=dict)
    #: canonical order field -> CRM/deal source (field mapping for OrderRequest)
    field_mapping: dict[str, str] = field(default_factory=dict)
    #: items shown in the stock section when set (else the connector's default set)
    stock_items: list[str] = field(default_factory=list)
    #: CRM origins allowed to frame the widget for this tenant (added to the global list)
    frame_origins: list[str] = field(default_factory=list)
    default_warehouse: str = ""
    #: order readiness: how far (percent, either way) a deal line's price may be from the customer's ERP price
    price_tolerance_percent: str = "2"
    #: role-based figures: who sees which panel sections (``app.panel.figures.FigurePolicy``); {} = all in full
    figure_policy: dict[str, Any] = field(default_factory=dict)
    #: order status after creation: minutes between polls of the ERP for the tenant's open orders
    status_poll_minutes: str = "5"
    #: account linking: admins may create a missing customer in the ERP (off by default)
    create_customers: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TenantSettings:
        """Build from stored JSON, ignoring unknown keys and keeping defaults for missing ones."""
        data = data or {}
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in data.items() if k in known})
        merged = dict(DEFAULT_STATUS_TRANSLATIONS)
        merged.update(settings.status_translations or {})
        settings.status_translations = merged
        return settings

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def translate_status(self, canonical: str) -> str:
        """CRM-facing text for a canonical status (falls back to the canonical code)."""
        return self.status_translations.get(canonical, canonical)


@dataclass(frozen=True)
class Tenant:
    """One installation of the app into one CRM account."""

    id: str
    crm: str
    installation_id: str
    name: str
    status: str
    settings: TenantSettings
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class ERPConnectionSettings:
    """Which ERP a tenant uses and how to reach it (secrets already decrypted)."""

    connector: str
    config: dict[str, Any]
    secrets: dict[str, str]

    def redacted(self) -> dict[str, Any]:
        """For display: config plus which secrets are set, never their values."""
        return {"connector": self.connector, "config": dict(self.config),
                "secrets_set": sorted(k for k, v in self.secrets.items() if v)}


@dataclass(frozen=True)
class CRMCredentials:
    """OAuth tokens for calling the CRM API on behalf of a tenant (decrypted)."""

    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None
    api_domain: str | None
    scopes: str
    extra: dict[str, str]
