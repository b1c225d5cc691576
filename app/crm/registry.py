"""Looks up the CRM adapter for a tenant's CRM (demo, pipedrive, hubspot)."""
from __future__ import annotations

from typing import Protocol

from app.crm.base import CRMConnector, CRMFatalError, WidgetIdentity


class CRMAdapter(Protocol):
    """What every CRM integration offers the core."""

    name: str

    def verify_widget_credential(self, credential: str) -> WidgetIdentity:
        """Verify a credential the CRM handed to the widget; raise on anything doubtful."""

    def connector_for(self, tenant) -> CRMConnector:
        """The CRM API client for this installation."""


class CRMRegistry:
    def __init__(self):
        self._adapters: dict[str, CRMAdapter] = {}

    def add(self, adapter: CRMAdapter) -> None:
        self._adapters[adapter.name] = adapter

    def get(self, name: str) -> CRMAdapter:
        adapter = self._adapters.get(name)
        if adapter is None:
            raise CRMFatalError(f"CRM '{name}' is not enabled on this server", reason="crm_not_enabled")
        return adapter

    def names(self) -> list[str]:
        return sorted(self._adapters)

    def connector_for(self, tenant) -> CRMConnector:
        return self.get(tenant.crm).connector_for(tenant)
