"""The demo CRM as a CRM integration: signed widget contexts, signed won-deal webhooks, deal API.

It is installed by seeding (``ensure_installed``), not by OAuth; it exists only where the demo runs
(development; production refuses DEMO_ENABLED).
"""
from __future__ import annotations

from typing import Self

from app.crm.base import CRMDeps, CRMIntegration
from app.crm.demo import signing
from app.crm.demo.connector import DemoCRM, DemoCRMConnector
from app.crm.demo.seed import ACCOUNTS, DEMO_COMPANY, DEMO_USER_ROLES, seed_demo_crm
from app.crm.demo.webhook import DEMO, SIGNATURE_HEADER, verify_won_webhook
from app.crm.inbound import InboundRequest, VerifiedCaller, WebhookOutcome
from app.domain.events import DealLeftWon
from app.erp.registry import env_connection
from app.panel.figures import Viewer
from app.tenants.model import Tenant


class DemoIntegration(CRMIntegration):
    """The demo CRM hosted by this service."""

    name = DEMO
    label = "Demo CRM"
    installs_with_oauth = False
    settings_hint = "DEMO_ENABLED (development only)"

    def __init__(self, deps: CRMDeps):
        super().__init__(deps, install=None)
        self.store = DemoCRM(deps.db, deps.clock, deps.settings.secret_key)

    @classmethod
    def build(cls, deps: CRMDeps) -> Self | None:
        """On where the demo runs (DEMO_ENABLED; never in production)."""
        return cls(deps) if deps.settings.demo_enabled else None

    def ensure_installed(self) -> Tenant:
        """Idempotently seed the demo CRM and install erp-panel into it (ERP connection, account links)."""
        tenants = self.tenants
        with self.deps.db.write() as conn:
            seed_demo_crm(conn, self.deps.clock.now())
        tenant = tenants.find(self.name, DEMO_COMPANY)
        if tenant is None or not tenant.active:
            tenant = tenants.upsert_tenant(self.name, DEMO_COMPANY, "Demo Company")
        if tenants.get_erp_connection(tenant.id) is None:
            erp = env_connection(None, self.deps.settings.erp_connector)
            tenants.save_erp_connection(tenant.id, erp.connector, erp.config, erp.secrets)
        links = tenants.list_links(tenant.id)
        for account_id, _name, customer in ACCOUNTS:
            if customer and account_id not in links:
                tenants.link_account(tenant.id, account_id, customer, source="demo")
        return tenant

    def verify_widget_credential(self, credential: str) -> VerifiedCaller:
        """The context the demo host page signed into the iframe URL (HMAC, +/- 5 minutes)."""
        payload = signing.verify(credential, [self.store.key], self.deps.clock)
        return VerifiedCaller(crm=self.name, installation_id=str(payload["company"]), user_id=str(payload["user"]),
                              object_type=str(payload.get("object_type", "")),
                              object_id=str(payload.get("object_id", "")))

    def events(self, request: InboundRequest) -> WebhookOutcome:
        """A signed ``deal.won`` delivery (the tenant comes from the company inside the verified body)."""
        event = verify_won_webhook(self.store, self.tenants, request.body, request.header(SIGNATURE_HEADER))
        if isinstance(event, DealLeftWon):
            outcome = WebhookOutcome.of(None, otherwise="not_a_won_deal")
            outcome.left_won.append(event)
            return outcome
        return WebhookOutcome.of(event, otherwise="not_a_won_deal")

    def viewer(self, tenant: Tenant, caller: VerifiedCaller) -> Viewer:
        """The demo company's users and their roles (``DEMO_USER_ROLES``)."""
        return Viewer(caller.user_id, roles=frozenset(DEMO_USER_ROLES.get(caller.user_id, ())))

    def connector_for(self, tenant: Tenant) -> DemoCRMConnector:
        return DemoCRMConnector(self.store, tenant.installation_id)
