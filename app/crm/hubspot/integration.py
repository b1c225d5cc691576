"""HubSpot as a CRM integration: OAuth install, v3-signed app-card requests and webhooks, write-back.

Classic JSON CRM cards are retired, so the panel is an app card (widgets/hubspot/) calling our
backend with ``hubspot.fetch``; every HubSpot-facing endpoint verifies the v3 request signature
(https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests). The
tenant comes from the portal HubSpot put in the signed URL (card) or in each signed webhook event.
"""
from __future__ import annotations

from typing import Self

from app.crm.api import TenantToken
from app.crm.base import CRMDeps, CRMIntegration, OAuthApp, SettingsLink
from app.crm.hubspot import signature
from app.crm.hubspot.cards import CardData
from app.crm.hubspot.client import RATE_RULES, hubspot_api
from app.crm.hubspot.connector import HubSpotConnector
from app.crm.hubspot.install import COMPANY_ERP_FIELD, HubSpotInstall
from app.crm.hubspot.oauth import ENDPOINTS, TOKEN_RULES, delete_refresh_token
from app.crm.hubspot.stages import WonStages
from app.crm.hubspot.users import hubspot_viewer
from app.crm.hubspot.webhooks import company_property_changes, stage_changes
from app.crm.inbound import InboundRequest, VerifiedCaller, WebhookOutcome
from app.crm.links import AccountLinkPickup
from app.crm.oauth.flow import OAuthFlow
from app.crm.ratelimit import RateLimiter
from app.domain.events import DealLeftWon
from app.errors import BadRequest, Unauthorized
from app.panel.figures import Viewer
from app.tenants.model import Tenant

CALLBACK_PATH = "/hubspot/oauth/callback"


class HubSpotIntegration(CRMIntegration):
    """Everything the web layer and the worker need from HubSpot."""

    name = "hubspot"
    label = "HubSpot"
    settings_hint = "HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET"
    install: OAuthFlow

    def __init__(self, deps: CRMDeps):
        s = deps.settings
        self.secrets = [s.hubspot_client_secret]
        self.timeout = s.hubspot_timeout
        self.accept_v1_webhooks = s.hubspot_accept_v1_webhooks
        self.erp_property = s.hubspot_company_erp_property
        app = OAuthApp(deps, ENDPOINTS, TOKEN_RULES, client_id=s.hubspot_client_id,
                       client_secret=s.hubspot_client_secret, redirect_uri=deps.public_url(CALLBACK_PATH),
                       timeout=s.hubspot_timeout, pkce=s.hubspot_pkce)
        self.oauth, self.tokens = app.client, app.tokens
        self.limiter = RateLimiter(deps.clock, RATE_RULES)
        vendor = HubSpotInstall(client=self.oauth, tenants=deps.tenants, connector_for=self.connector_for,
                                erp_property=self.erp_property)
        super().__init__(deps, app.flow(self.name, self.label, vendor))
        self.link_pickup = AccountLinkPickup(deps.tenants, deps.cache, "hubspot")
        self.cards = CardData(deps.panel, deps.cache, deps.clock, self.connector_for, self.link_pickup)

    @classmethod
    def build(cls, deps: CRMDeps) -> Self | None:
        """Off without HUBSPOT_CLIENT_ID/SECRET: the HubSpot routes answer "not configured"."""
        s = deps.settings
        return cls(deps) if (s.hubspot_client_id and s.hubspot_client_secret) else None

    # -- verification ---------------------------------------------------------------------
    def verify_signature(self, request: InboundRequest, *, webhook: bool = False) -> None:
        """v3 everywhere; v1 only for webhooks and only when the operator opted in (no v3 headers)."""
        if webhook and self.accept_v1_webhooks and not request.header(signature.HEADER_V3):
            signature.verify_v1(request, self.secrets)
            return
        signature.verify_v3(request, self.secrets, int(self.deps.clock.timestamp() * 1000))

    def verify_request(self, request: InboundRequest) -> VerifiedCaller:
        """An app card's ``hubspot.fetch``: the portal (and user) HubSpot's fetch proxy appended to the URL.

        hubspot.fetch adds ``portalId``, ``userId``, ``userEmail`` and ``appId`` to the request URL
        (``ProxyMetadata`` in @hubspot/ui-extensions, https://www.npmjs.com/package/@hubspot/ui-extensions;
        https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data),
        and the v3 signature covers that URL, query included. The JSON body is composed by browser-side
        card code, so it never chooses the tenant.
        """
        self.verify_signature(request)
        portals = set(request.query.get("portalId") or ())
        if len(portals) > 1:
            raise BadRequest("The request names more than one HubSpot portal", reason="ambiguous_portal")
        portal = next(iter(portals), "")
        if not portal.isdigit():
            raise Unauthorized("HubSpot did not name the portal in the signed URL", reason="portal_missing")
        return VerifiedCaller(crm=self.name, installation_id=portal, user_id=request.arg("userId"),
                              user_context={"email": request.arg("userEmail")})

    def events(self, request: InboundRequest) -> WebhookOutcome:
        """Won deals in a verified batch. Raises UpstreamError when stages cannot be resolved (the view
        answers 503 so HubSpot retries the batch later: nothing is lost)."""
        self.verify_signature(request, webhook=True)
        batch = request.json()
        changes, others = stage_changes(batch)
        outcome = WebhookOutcome()
        linked = self._adopt_links(batch)
        if others - linked:
            outcome.ignore("not_a_deal_stage_change", others - linked)
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
                # the event carries no previous stage: any other stage may mean "no longer won"; the intake
                # looks only at deals whose ERP order exists, and the check re-reads the deal
                outcome.left_won.append(DealLeftWon(tenant_id=tenant.id, crm_deal_id=change.deal_id,
                                                    status=change.stage_id, crm=self.name))
                continue
            outcome.won.append(change.won_event(tenant.id))
        return outcome

    def viewer(self, tenant: Tenant, caller: VerifiedCaller) -> Viewer:
        """The signed ``userId`` with their roles and teams from HubSpot's settings users API."""
        api = hubspot_api(TenantToken(self.tokens, tenant.id), self.limiter, tenant.installation_id,
                          timeout=self.timeout, sleep=self.deps.clock.sleep)
        return hubspot_viewer(api, caller.user_id)

    def _adopt_links(self, batch: list[dict]) -> int:
        """Account links from ``company.propertyChange`` events on a tenant's ERP id property; how many
        such events the batch held."""
        count = 0
        for change in company_property_changes(batch):
            tenant = self.active_tenant(change.portal_id)
            if tenant is None:
                continue
            if change.property_name != (tenant.settings.crm_fields.get(COMPANY_ERP_FIELD) or self.erp_property):
                continue
            count += 1
            self.link_pickup.adopt(tenant, change.company_id, change.value)
        return count

    # -- the tenant's HubSpot --------------------------------------------------------------
    def connector_for(self, tenant: Tenant) -> HubSpotConnector:
        api = hubspot_api(TenantToken(self.tokens, tenant.id), self.limiter, tenant.installation_id,
                          timeout=self.timeout, sleep=self.deps.clock.sleep)
        erp_property = tenant.settings.crm_fields.get(COMPANY_ERP_FIELD) or self.erp_property
        return HubSpotConnector(api, WonStages(tenant.id, api, self.deps.cache, self.deps.clock),
                                erp_property=erp_property)

    def settings_links(self, tenant: Tenant) -> list[SettingsLink]:
        return [SettingsLink("Reconnect HubSpot (run the OAuth install again)", "/hubspot/install"),
                SettingsLink("Disconnect HubSpot", "/hubspot/uninstall")]

    def revoke(self, tenant: Tenant) -> None:
        """Delete our refresh token at HubSpot (best effort; HubSpot keeps the app installed)."""
        creds = self.tenants.get_crm_credentials(tenant.id)
        if creds is not None and creds.refresh_token:
            delete_refresh_token(self.oauth, creds.refresh_token)
