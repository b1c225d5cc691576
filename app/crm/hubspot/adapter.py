"""The HubSpot CRMAdapter: request verification, per-tenant connectors, card data, webhooks."""
from __future__ import annotations

import logging
from collections.abc import Callable

from app.clock import Clock
from app.crm.base import CRMAuthError, WidgetIdentity
from app.crm.hubspot import signature
from app.crm.hubspot.cards import CardData
from app.crm.hubspot.client import HubSpotClient
from app.crm.hubspot.connector import DEFAULT_ERP_PROPERTY, HubSpotConnector
from app.crm.hubspot.install import CRM, HubSpotInstaller
from app.crm.hubspot.ratelimit import PortalRateLimiter
from app.crm.hubspot.stages import WonStages
from app.crm.hubspot.tokens import HubSpotTokens
from app.crm.hubspot.webhooks import BatchOutcome, stage_changes

log = logging.getLogger("erp_panel.hubspot")


class HubSpotAdapter:
    """Everything the web layer and the worker need from the HubSpot integration."""

    name = CRM

    def __init__(self, *, client_secret: str, tenants, cache, clock: Clock, tokens: HubSpotTokens,
                 limiter: PortalRateLimiter, timeout: float = 5.0, accept_v1_webhooks: bool = False,
                 erp_property: str = DEFAULT_ERP_PROPERTY, sleep: Callable[[float], None] | None = None):
        self.secrets = [client_secret]
        self.tenants = tenants
        self.cache = cache
        self.clock = clock
        self.tokens = tokens
        self.limiter = limiter
        self.timeout = timeout
        self.accept_v1_webhooks = accept_v1_webhooks
        self.erp_property = erp_property
        self.sleep = sleep
        self.installer: HubSpotInstaller | None = None     # set by wiring (needs the panel service)
        self.cards: CardData | None = None

    # -- CRMAdapter ----------------------------------------------------------------
    def verify_widget_credential(self, credential: str) -> WidgetIdentity:
        """App cards cannot send credentials (hubspot.fetch allows no custom headers): no widget tokens."""
        raise CRMAuthError("HubSpot app cards use the signed card endpoint, not widget sessions",
                           reason="use_signed_card_endpoint")

    def connector_for(self, tenant) -> HubSpotConnector:
        client = HubSpotClient(tenant.crm_account_key, lambda: self.tokens.access_token(tenant.id), self.limiter,
                               timeout=self.timeout, sleep=self.sleep)
        erp_property = tenant.settings.crm_fields.get("company_erp_customer_id") or self.erp_property
        return HubSpotConnector(client, WonStages(tenant.id, client, self.cache, self.clock),
                                erp_property=erp_property)

    def admin_links(self, tenant) -> list[tuple[str, str]]:
        """Links on the settings page for a HubSpot tenant."""
        return [("Reconnect HubSpot (run the OAuth install again)", "/hubspot/install"),
                ("Disconnect HubSpot", "/hubspot/uninstall")]

    # -- verification -----------------------------------------------------------------
    def verify(self, request: signature.SignedRequest, *, webhook: bool = False) -> None:
        """v3 everywhere; v1 only for webhooks and only when the operator opted in (no v3 headers)."""
        now_ms = int(self.clock.timestamp() * 1000)
        if webhook and self.accept_v1_webhooks and not request.header(signature.HEADER_V3):
            signature.verify_v1(request, self.secrets)
            return
        signature.verify_v3(request, self.secrets, now_ms)

    def active_tenant(self, portal_id: str):
        tenant = self.tenants.find(CRM, str(portal_id))
        return tenant if tenant is not None and tenant.active else None

    # -- webhooks ----------------------------------------------------------------------
    def won_events(self, batch: object) -> BatchOutcome:
        """Won-deal events in a verified batch. Raises CRMError when stages cannot be resolved
        (the view answers 503 so HubSpot retries the batch later: nothing is lost)."""
        changes, others = stage_changes(batch)
        outcome = BatchOutcome()
        for _ in range(others):
            outcome.ignore("not_a_deal_stage_change")
        stage_readers: dict[str, WonStages] = {}
        for change in changes:
            tenant = self.active_tenant(change.portal_id)
            if tenant is None:
                outcome.ignore("not_installed")
                continue
            if tenant.id not in stage_readers:
                stage_readers[tenant.id] = self.connector_for(tenant).stages
            if not stage_readers[tenant.id].is_won(change.stage_id):
                outcome.ignore("not_a_won_stage")
                continue
            outcome.won.append(change.won_event(tenant.id))
        return outcome
