"""The Pipedrive CRMAdapter: widget credential check, per-tenant connector, admin links."""
from __future__ import annotations

from app.crm.base import CRMAuthError, WidgetIdentity
from app.crm.pipedrive.client import PipedriveClient, RateGate, TenantTokens
from app.crm.pipedrive.connector import PipedriveConnector
from app.crm.pipedrive.fields import FieldManager
from app.crm.pipedrive.jwt import PipedriveJWTInvalid, PipedriveJWTVerifier
from app.crm.pipedrive.oauth import PipedriveOAuth

FIELDS_PAGE = "/pipedrive/settings/fields"


class PipedriveAdapter:
    """Everything tenant-scoped the core and the web layer ask of Pipedrive."""

    name = "pipedrive"

    def __init__(self, *, tenants, oauth: PipedriveOAuth, jwt_verifier: PipedriveJWTVerifier, clock,
                 timeout: float):
        self.tenants = tenants
        self.oauth = oauth
        self.jwt = jwt_verifier
        self.clock = clock
        self.timeout = timeout
        self.gate = RateGate(clock)

    def verify_widget_credential(self, credential: str) -> WidgetIdentity:
        """The credential is the JWT from the SDK's GET_SIGNED_TOKEN (HS256, userId, companyId, exp)."""
        try:
            user = self.jwt.verify(credential)
        except PipedriveJWTInvalid as exc:
            raise CRMAuthError(f"Pipedrive token rejected: {exc}", reason="invalid_signature") from None
        return WidgetIdentity(crm=self.name, crm_account_key=user.company_id, user_id=user.user_id)

    def client_for(self, tenant) -> PipedriveClient:
        tokens = TenantTokens(tenant.id, self.tenants, self.oauth, self.clock)
        return PipedriveClient(tokens, self.gate, timeout=self.timeout)

    def connector_for(self, tenant) -> PipedriveConnector:
        return PipedriveConnector(self.client_for(tenant), tenant.settings.crm_fields)

    def fields_for(self, tenant) -> FieldManager:
        return FieldManager(self.client_for(tenant))

    def admin_links(self, tenant) -> list[tuple[str, str]]:
        """Shown on /admin/settings for Pipedrive tenants."""
        if getattr(tenant, "crm", self.name) != self.name:
            return []
        return [("Pipedrive fields (ERP customer ID, order number, status)", FIELDS_PAGE)]
