"""The CRM integrations this release ships, and the ones this process runs.

Adding a CRM: one package under ``app/crm/<vendor>/`` whose :class:`CRMIntegration` subclass fills
the contract of ``app.crm.base``, and one line in ``INTEGRATIONS``; the CRM contract suite
(``tests/contract/crm``) then runs on it (and fails until it has a harness).
"""
from __future__ import annotations

from typing import TypeVar

from app.crm.base import CRMConnector, CRMDeps, CRMIntegration
from app.crm.demo.integration import DemoIntegration
from app.crm.hubspot.integration import HubSpotIntegration
from app.crm.pipedrive.integration import PipedriveIntegration
from app.crm.salesforce.integration import SalesforceIntegration
from app.errors import CRM, UpstreamMisconfigured
from app.tenants.model import Tenant

#: every CRM integration; one registration line each
INTEGRATIONS: tuple[type[CRMIntegration], ...] = (
    DemoIntegration,
    PipedriveIntegration,
    HubSpotIntegration,
    SalesforceIntegration,
)

IntegrationT = TypeVar("IntegrationT", bound=CRMIntegration)


class CRMRegistry:
    """The integrations this process runs (those its settings switch on), by name."""

    def __init__(self, integrations: dict[str, CRMIntegration]):
        self._by_name = dict(integrations)

    @classmethod
    def build(cls, deps: CRMDeps, kinds: tuple[type[CRMIntegration], ...] = INTEGRATIONS) -> CRMRegistry:
        """Every registered integration the settings switch on."""
        built = ((kind.name, kind.build(deps)) for kind in kinds)
        return cls({name: integration for name, integration in built if integration is not None})

    @staticmethod
    def kind(name: str) -> type[CRMIntegration] | None:
        """The registered integration class called ``name`` (running here or not)."""
        return next((kind for kind in INTEGRATIONS if kind.name == name), None)

    def add(self, integration: CRMIntegration) -> None:
        """Run ``integration`` under its name in this process (replacing one of the same name)."""
        self._by_name[integration.name] = integration

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def find(self, name: str) -> CRMIntegration | None:
        """The integration called ``name``, or None when this server does not run it."""
        return self._by_name.get(name)

    def of_kind(self, kind: type[IntegrationT]) -> IntegrationT | None:
        """The running integration of that class (typed), or None when this server does not run it."""
        found = self._by_name.get(kind.name)
        return found if isinstance(found, kind) else None

    def get(self, name: str) -> CRMIntegration:
        """The integration called ``name``; UpstreamMisconfigured (``crm_not_enabled``) when not running."""
        found = self._by_name.get(name)
        if found is None:
            raise UpstreamMisconfigured(f"CRM '{name}' is not enabled on this server", side=CRM,
                                        reason="crm_not_enabled")
        return found

    def connector_for(self, tenant: Tenant) -> CRMConnector:
        """The tenant's CRM API client (the worker reads deals and writes back through it)."""
        return self.get(tenant.crm).connector_for(tenant)
