"""Pipedrive as a CRM integration: OAuth install, JWT-signed panels, Basic-auth webhooks v2, write-back.

Every request is authenticated by what Pipedrive signs or sends: the HS256 JWT (panels and the
widget; tenant and user come only from it), or the tenant's webhook Basic credentials
(webhooks). The JWT secret is the one set on the extension, else the app's client secret
(Pipedrive staff, https://devcommunity.pipedrive.com/t/7668).
"""
from __future__ import annotations

from typing import Self

from app.crm.api import CRMApi, TenantToken
from app.crm.base import CRMDeps, CRMIntegration, OAuthApp, SettingsLink
from app.crm.inbound import InboundRequest, VerifiedCaller, WebhookOutcome
from app.crm.oauth.flow import OAuthFlow
from app.crm.pipedrive.accounts import PanelAccounts
from app.crm.pipedrive.client import RATE_RULES, pipedrive_api
from app.crm.pipedrive.connector import PipedriveConnector
from app.crm.pipedrive.fields import FieldManager
from app.crm.pipedrive.install import PipedriveInstall, uninstall_notice_verified
from app.crm.pipedrive.jwt import PipedriveJWTVerifier
from app.crm.pipedrive.oauth import ENDPOINTS, PKCE_SUPPORTED, TOKEN_RULES
from app.crm.pipedrive.users import pipedrive_viewer
from app.crm.pipedrive.webhooks import credentials_match, left_won_event, won_event
from app.crm.ratelimit import RateLimiter
from app.errors import BadRequest, Unauthorized
from app.panel.figures import Viewer
from app.tenants.model import Tenant

CALLBACK_PATH = "/pipedrive/oauth/callback"
WEBHOOK_PATH = "/pipedrive/webhooks/{tenant_id}"
FIELDS_PAGE = "/pipedrive/settings/fields"
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="erp-panel"'}


class PipedriveIntegration(CRMIntegration):
    """Everything the web layer and the worker ask of Pipedrive."""

    name = "pipedrive"
    label = "Pipedrive"
    settings_hint = "PIPEDRIVE_CLIENT_ID / PIPEDRIVE_CLIENT_SECRET"
    webhook_rule = "/pipedrive/webhooks/<string:tenant_id>"
    install: OAuthFlow

    def __init__(self, deps: CRMDeps):
        s = deps.settings
        self.timeout = s.pipedrive_timeout
        app = OAuthApp(deps, ENDPOINTS, TOKEN_RULES, client_id=s.pipedrive_client_id,
                       client_secret=s.pipedrive_client_secret,
                       redirect_uri=s.pipedrive_redirect_uri or deps.public_url(CALLBACK_PATH),
                       timeout=s.pipedrive_timeout, pkce=PKCE_SUPPORTED)
        self.oauth, self.tokens = app.client, app.tokens
        self.limiter = RateLimiter(deps.clock, RATE_RULES)
        self.jwt = PipedriveJWTVerifier([s.pipedrive_jwt_secret or s.pipedrive_client_secret], deps.clock)
        vendor = PipedriveInstall(
            tenants=deps.tenants, api_for=self.api_for,
            install_api=lambda token, key: pipedrive_api(token, self.limiter, key, timeout=self.timeout),
            webhook_url=lambda tenant_id: deps.public_url(WEBHOOK_PATH.format(tenant_id=tenant_id)))
        super().__init__(deps, app.flow(self.name, self.label, vendor, stateless_installs=True))
        self.accounts = PanelAccounts(deps.tenants, deps.cache, deps.clock, self.connector_for)

    @classmethod
    def build(cls, deps: CRMDeps) -> Self | None:
        """Off without PIPEDRIVE_CLIENT_ID/SECRET: the routes answer "not configured"."""
        s = deps.settings
        return cls(deps) if (s.pipedrive_client_id and s.pipedrive_client_secret) else None

    # -- verification ---------------------------------------------------------------------
    def verify_widget_credential(self, credential: str) -> VerifiedCaller:
        """The credential is the JWT from the SDK's GET_SIGNED_TOKEN (HS256, userId, companyId, exp)."""
        return self.jwt.verify(credential)

    def verify_request(self, request: InboundRequest) -> VerifiedCaller:
        """A JSON panel request carries the same JWT in its ``token`` query parameter."""
        return self.jwt.verify(request.arg("token"))

    def events(self, request: InboundRequest) -> WebhookOutcome:
        """Webhooks v2 ``change.deal`` to ``/pipedrive/webhooks/<tenant_id>``: the tenant's Basic credentials,
        then "became won"."""
        tenant = self.tenants.get(request.path_params.get("tenant_id", ""))
        creds = self.tenants.get_crm_credentials(tenant.id) if tenant is not None and tenant.active else None
        extra = creds.extra if creds else {}
        if tenant is None or tenant.crm != self.name or not credentials_match(
                request.header("Authorization"), extra.get("webhook_user"), extra.get("webhook_password")):
            raise Unauthorized("The webhook did not carry this installation's credentials",
                               reason="invalid_credentials", headers=_BASIC_CHALLENGE)
        payload = request.json()
        event = won_event(payload, tenant_id=tenant.id, installation_id=tenant.installation_id,
                          now=self.deps.clock.now())
        outcome = WebhookOutcome.of(event, otherwise="not_a_change_to_won")
        left = left_won_event(payload, tenant_id=tenant.id) if event is None else None
        if left is not None:
            outcome.left_won.append(left)
        return outcome

    def uninstall_notice(self, request: InboundRequest) -> Tenant | None:
        """Pipedrive's uninstall notice (Basic client_id:client_secret, JSON {client_id, company_id, user_id}):
        uninstall the company's tenant; None when the company never installed."""
        if not uninstall_notice_verified(self.oauth, request.header("Authorization")):
            raise Unauthorized("The uninstall notice did not carry this app's client credentials",
                               reason="invalid_credentials", headers=_BASIC_CHALLENGE)
        body = request.json()
        body = body if isinstance(body, dict) else {}
        installation_id = str(body.get("company_id") or "").strip()     # the Pipedrive company
        if str(body.get("client_id") or "") != self.oauth.client_id or not installation_id.isdigit():
            raise BadRequest("Not an uninstall notice for this app", reason="not_an_uninstall_notice")
        tenant = self.tenants.find(self.name, installation_id)
        if tenant is not None:
            self.uninstall(tenant)
        return tenant

    # -- the tenant's Pipedrive ------------------------------------------------------------
    def api_for(self, tenant: Tenant) -> CRMApi:
        return pipedrive_api(TenantToken(self.tokens, tenant.id), self.limiter, tenant.id, timeout=self.timeout)

    def viewer(self, tenant: Tenant, caller: VerifiedCaller) -> Viewer:
        """The JWT's ``userId`` with their role and permission sets from Pipedrive's users API."""
        return pipedrive_viewer(self.api_for(tenant), caller.user_id)

    def connector_for(self, tenant: Tenant) -> PipedriveConnector:
        return PipedriveConnector(self.api_for(tenant), tenant.settings.crm_fields)

    def fields_for(self, tenant: Tenant) -> FieldManager:
        return FieldManager(self.api_for(tenant))

    def settings_links(self, tenant: Tenant) -> list[SettingsLink]:
        return [SettingsLink("Pipedrive fields (ERP customer ID, order number, status)", FIELDS_PAGE)]
