"""Salesforce as a CRM integration: OAuth install (production and sandbox orgs), the Canvas panel,
won Opportunities from Outbound Messages, write-back over REST.

Who is calling comes only from what Salesforce signs or what the installation was given: the Canvas
signed request (HMAC-SHA256 with the connected app's consumer secret) for the panel, and for
Outbound Messages (which carry no signature) the per-installation secret in the endpoint URL plus
the ``OrganizationId`` of the message, which must be the tenant's org.
"""
from __future__ import annotations

import hmac
from typing import Self

from app.crm.api import TenantToken
from app.crm.base import CRMDeps, CRMIntegration, OAuthApp, SettingsLink
from app.crm.inbound import Acknowledgement, InboundRequest, VerifiedCaller, WebhookOutcome
from app.crm.oauth.flow import OAuthFlow
from app.crm.ratelimit import RateLimiter
from app.crm.salesforce import canvas, outbound
from app.crm.salesforce.client import RATE_RULES, salesforce_api
from app.crm.salesforce.connector import SalesforceConnector
from app.crm.salesforce.install import ORG_CURRENCY, OUTBOUND_SECRET, SalesforceInstall
from app.crm.salesforce.oauth import PRODUCTION_LOGIN, SANDBOX_LOGIN, TOKEN_RULES, endpoints, revoke
from app.domain.events import DealLeftWon, DealWon
from app.errors import Unauthorized
from app.tenants.model import Tenant

CALLBACK_PATH = "/salesforce/oauth/callback"
SANDBOX_INSTALL_PATH = "/salesforce/sandbox/install"
SANDBOX_CALLBACK_PATH = "/salesforce/sandbox/oauth/callback"
OUTBOUND_PATH = "/salesforce/outbound/{tenant_id}/{secret}"
SETTINGS_PAGE = "/salesforce/settings"


class SalesforceIntegration(CRMIntegration):
    """Everything the web layer and the worker ask of Salesforce."""

    name = "salesforce"
    label = "Salesforce"
    settings_hint = "SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET"
    webhook_rule = "/salesforce/outbound/<string:tenant_id>/<string:secret>"
    install: OAuthFlow

    def __init__(self, deps: CRMDeps):
        s = deps.settings
        self.timeout = s.salesforce_timeout
        self.secrets = [s.salesforce_client_secret]
        app = OAuthApp(deps, endpoints(PRODUCTION_LOGIN), TOKEN_RULES, client_id=s.salesforce_client_id,
                       client_secret=s.salesforce_client_secret, redirect_uri=deps.public_url(CALLBACK_PATH),
                       timeout=s.salesforce_timeout, pkce=True)
        self.oauth, self.tokens = app.client, app.tokens
        self.limiter = RateLimiter(deps.clock, RATE_RULES)
        vendor = SalesforceInstall(
            tenants=deps.tenants, client_secret=s.salesforce_client_secret,
            install_api=lambda token, org: salesforce_api(token, self.limiter, org, timeout=self.timeout,
                                                          sleep=deps.clock.sleep))
        super().__init__(deps, app.flow(self.name, self.label, vendor))
        #: sandbox orgs log in at test.salesforce.com: same app, same token store, its own callback
        self.sandbox_install = app.flow(self.name, self.label, vendor, client=app.client_for(
            endpoints(SANDBOX_LOGIN), deps.public_url(SANDBOX_CALLBACK_PATH)))

    @classmethod
    def build(cls, deps: CRMDeps) -> Self | None:
        """Off without SALESFORCE_CLIENT_ID/SECRET: the Salesforce routes answer "not configured"."""
        s = deps.settings
        return cls(deps) if (s.salesforce_client_id and s.salesforce_client_secret) else None

    # -- verification ---------------------------------------------------------------------
    def verify_widget_credential(self, credential: str) -> VerifiedCaller:
        """The Canvas signed request: signature, algorithm and age, then org/user/record from its envelope."""
        envelope = canvas.decode(credential, self.secrets)
        canvas.check_issued_at(envelope, self.deps.clock)
        return canvas.caller(envelope, self.name)

    def events(self, request: InboundRequest) -> WebhookOutcome:
        """An Outbound Message to ``/salesforce/outbound/<tenant_id>/<secret>``: the installation's secret and
        org, then one DealWon per won Opportunity (the notification id is the event id)."""
        tenant = self.tenants.get(request.path_params.get("tenant_id", ""))
        creds = self.tenants.get_crm_credentials(tenant.id) if tenant is not None and tenant.active else None
        expected = (creds.extra.get(OUTBOUND_SECRET) or "") if creds else ""
        given = request.path_params.get("secret", "")
        if tenant is None or tenant.crm != self.name or not expected or not hmac.compare_digest(
                given.encode(), expected.encode()):
            raise Unauthorized("The outbound message URL does not carry this installation's secret",
                               reason="invalid_credentials")
        message = outbound.parse(request.body)
        if message.organization_id != tenant.installation_id:
            raise Unauthorized("The outbound message comes from another Salesforce org", reason="org_mismatch")
        outcome = WebhookOutcome()
        now = self.deps.clock.now()
        for item in message.notifications:
            if item.object_type != "Opportunity":
                outcome.ignore("not_an_opportunity")
            elif not item.is_won:
                # reopened or lost: the intake looks at it only when the deal's ERP order exists
                outcome.ignore("not_won")
                outcome.left_won.append(DealLeftWon(tenant_id=tenant.id, crm_deal_id=item.record_id,
                                                    status="not won", crm=self.name))
            else:
                outcome.won.append(DealWon(tenant_id=tenant.id, crm_deal_id=item.record_id,
                                           event_id=item.notification_id, occurred_at=now, crm=self.name))
        return outcome

    def acknowledge(self, outcome: WebhookOutcome, statuses: list[str]) -> Acknowledgement:
        """Salesforce retries until it reads ``<Ack>true</Ack>``: every stored or duplicate delivery gets it."""
        return Acknowledgement(200, outbound.ACK, "text/xml; charset=utf-8")

    # -- the tenant's Salesforce ------------------------------------------------------------
    def connector_for(self, tenant: Tenant) -> SalesforceConnector:
        api = salesforce_api(TenantToken(self.tokens, tenant.id), self.limiter, tenant.installation_id,
                             timeout=self.timeout, sleep=self.deps.clock.sleep)
        creds = self.tenants.get_crm_credentials(tenant.id)
        return SalesforceConnector(api, org_currency=(creds.extra.get(ORG_CURRENCY, "") if creds else ""))

    def outbound_url(self, tenant: Tenant) -> str | None:
        """The endpoint URL the org's outbound message must use (it holds the installation's secret)."""
        creds = self.tenants.get_crm_credentials(tenant.id)
        secret = creds.extra.get(OUTBOUND_SECRET) if creds else None
        return self.deps.public_url(OUTBOUND_PATH.format(tenant_id=tenant.id, secret=secret)) if secret else None

    def settings_links(self, tenant: Tenant) -> list[SettingsLink]:
        return [SettingsLink("Salesforce set-up (outbound message URL, Canvas app)", SETTINGS_PAGE),
                SettingsLink("Disconnect Salesforce", "/salesforce/uninstall")]

    def revoke(self, tenant: Tenant) -> None:
        """Revoke our refresh token (and its access tokens) at the org's My Domain."""
        creds = self.tenants.get_crm_credentials(tenant.id)
        if creds is not None and creds.refresh_token and creds.api_domain:
            revoke(self.oauth, creds.api_domain, creds.refresh_token)
