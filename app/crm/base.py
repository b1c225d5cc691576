"""The CRM integration contract: what every CRM (demo, Pipedrive, HubSpot, ...) offers the core.

A :class:`CRMIntegration` is one package under ``app/crm/<vendor>/`` registered with one line in
``app.crm.registry.INTEGRATIONS``; the CRM contract suite (``tests/contract/crm``) runs on every
registered integration. What it does, for the web layer and the worker:

* **install** - ``install``: the OAuth flow (one state store, one token store; the vendor's
  rules are parameters), or None when the CRM installs another way (the demo seeds itself);
* **verify** - ``verify_widget_credential`` (what the CRM hands the widget: a JWT, a signed
  context) and ``verify_request`` (a request the CRM signs: an app card's fetch, a JSON panel);
  both answer a :class:`VerifiedCaller` or raise ``app.errors.Unauthorized``;
* **webhook -> DealWon** - ``events``: verify a delivery and say which deals became won;
* **read deal / write back** - ``connector_for(tenant)``: a :class:`CRMConnector`;
* **uninstall** - ``uninstall(tenant)``, always by tenant;
* **settings hook** - ``settings_links(tenant)``: links the settings page shows for this CRM;
* **who is looking** - ``viewer(tenant, caller)``: the verified caller's roles and teams, for role-based
  figures (``app.panel.figures``).

Vendor failures are the shared error tree of :mod:`app.errors` with ``side="crm"``.
"""
from __future__ import annotations

import abc
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Self

from app.cache.backend import CacheBackend
from app.clock import Clock
from app.config import Settings
from app.crm.inbound import Acknowledgement, InboundRequest, VerifiedCaller, WebhookOutcome
from app.crm.oauth.client import OAuthClient, OAuthEndpoints
from app.crm.oauth.flow import OAuthFlow, VendorInstall
from app.crm.oauth.states import OAuthStates
from app.crm.oauth.tokens import InstallationTokens, TokenRules
from app.domain.deal import Account, Deal, WonDeal
from app.errors import CRM, Forbidden, Unauthorized, UpstreamRejected
from app.panel.figures import Viewer
from app.panel.service import PanelService
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.cache import TenantCache
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.crm")

#: the most won deals one reconciliation reads from a CRM (a month of a large sales team)
MAX_WON_DEALS = 10_000


@dataclass(frozen=True)
class CRMDeps:
    """Shared services a CRM integration may use."""

    settings: Settings
    clock: Clock
    db: Database
    secrets: SecretBox
    tenants: TenantStore
    #: the read path's copy of tenants: verified requests find their tenant here without a database read
    tenant_cache: TenantCache
    cache: CacheBackend
    panel: PanelService

    def public_url(self, path: str) -> str:
        """An absolute URL of this deployment (PUBLIC_BASE_URL + path), as CRMs must call it."""
        return self.settings.public_base_url.rstrip("/") + path


class OAuthApp:
    """One CRM's OAuth app in this process: its client, its token store and the install flows built on them.

    What every OAuth CRM wires the same way (the vendor's endpoints and token rules are parameters);
    a vendor with several login hosts (Salesforce production and sandbox) adds clients with
    :meth:`client_for` and builds one flow per client over the one token store.
    """

    def __init__(self, deps: CRMDeps, endpoints: OAuthEndpoints, rules: TokenRules, *, client_id: str,
                 client_secret: str, redirect_uri: str, timeout: float, pkce: bool = False):
        self.deps = deps
        self.client = OAuthClient(endpoints, client_id=client_id, client_secret=client_secret,
                                  redirect_uri=redirect_uri, timeout=timeout, pkce=pkce)
        self.tokens = InstallationTokens(deps.tenants, self.client, deps.clock, rules)

    def client_for(self, endpoints: OAuthEndpoints, redirect_uri: str) -> OAuthClient:
        """Another client of the same app (same id, secret, timeout, PKCE) for other endpoints."""
        c = self.client
        return OAuthClient(endpoints, client_id=c.client_id, client_secret=c.client_secret, redirect_uri=redirect_uri,
                           timeout=c.timeout, pkce=c.pkce)

    def flow(self, crm: str, label: str, vendor: VendorInstall, *, client: OAuthClient | None = None,
             stateless_installs: bool = False) -> OAuthFlow:
        """The install flow (one state store, this app's token store) for ``client`` (default: the app's)."""
        deps = self.deps
        return OAuthFlow(crm=crm, label=label, client=client or self.client,
                         states=OAuthStates(deps.db, deps.secrets, deps.clock), tokens=self.tokens,
                         tenants=deps.tenants, vendor=vendor, stateless_installs=stateless_installs)


@dataclass(frozen=True)
class WriteBack:
    """What to write onto the deal after (or instead of) creating the order."""

    order_number: str | None
    status_text: str
    failure_reason: str | None = None
    erp_status: str = ""
    #: the order's delivery and invoice status for CRMs with fields for them; None leaves them as they are
    delivery_status: str | None = None
    invoice_status: str | None = None


@dataclass(frozen=True)
class SettingsLink:
    """A link the settings page shows for the tenant's CRM (a same-site path or an https URL)."""

    label: str
    href: str


#: deals looked at when a CRM lists the accounts with open or won deals
ORPHAN_SCAN_LIMIT = 1000


@dataclass(frozen=True)
class AccountDeals:
    """A CRM account and how many open and won deals it has."""

    crm_account_id: str
    name: str
    open_deals: int = 0
    won_deals: int = 0


class CRMConnector(abc.ABC):
    """Per-tenant CRM API client used by the worker."""

    name: str = "crm"

    @abc.abstractmethod
    def get_deal(self, crm_deal_id: str) -> Deal:
        """The deal as the CRM has it now, with line items and its CRM account."""

    @abc.abstractmethod
    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        """Write order number/status or a plain-language failure reason onto the deal (idempotent)."""

    @abc.abstractmethod
    def get_account(self, crm_account_id: str) -> Account:
        """The CRM account (company/organization) as the CRM has it now: name, domain and address where
        the CRM holds them, and the value of its "ERP customer id" field."""

    def accounts_with_deals(self) -> list[AccountDeals]:
        """Accounts with open or won deals (at most ORPHAN_SCAN_LIMIT deals looked at), for the orphans list.

        Optional capability: the default raises ``UpstreamRejected`` (reason ``crm_not_supported``) with a
        sentence the settings page shows; orphans from failed won deals are listed for every CRM anyway.
        """
        raise UpstreamRejected(f"{self.name} does not list its accounts with deals to erp-panel yet; accounts "
                               "whose won deals failed for want of a link are listed instead",
                               side=CRM, reason="crm_not_supported")

    @abc.abstractmethod
    def write_erp_customer_id(self, crm_account_id: str, erp_customer_id: str) -> None:
        """Put the linked ERP customer id into the account's "ERP customer id" field, so CRM reports can use
        it (idempotent). ``UpstreamRejected`` with reason ``crm_fields_not_configured`` and a sentence when
        the CRM has no such field set up yet."""

    @abc.abstractmethod
    def search_won_deals(self, since: datetime) -> list[WonDeal]:
        """Deals that are won now and were changed since ``since`` (the CRM's search API; paged, bounded at
        ``MAX_WON_DEALS``): what reconciliation compares with the orders erp-panel made."""


class CRMIntegration(abc.ABC):
    """One CRM, as the core sees it (see the module docstring)."""

    #: the CRM's name: ``Tenant.crm``, URL segments, ``crm`` of the widget session
    name: ClassVar[str]
    label: ClassVar[str]
    #: installed with the OAuth flow (``/<name>/install``, ``/<name>/oauth/callback``); False: another way
    installs_with_oauth: ClassVar[bool] = True
    #: what an operator sets to switch the integration on (shown when it is off)
    settings_hint: ClassVar[str] = ""
    #: the route its webhooks arrive at (Flask rule; ``<tenant_id>`` for per-installation URLs), served by
    #: the generic webhook view; None when the CRM's own routes receive them
    webhook_rule: ClassVar[str | None] = None

    def __init__(self, deps: CRMDeps, install: OAuthFlow | None = None):
        self.deps = deps
        self.tenants = deps.tenants
        self.install = install

    @classmethod
    @abc.abstractmethod
    def build(cls, deps: CRMDeps) -> Self | None:
        """This process's integration, or None when the server has it off (no app credentials, demo off)."""

    # -- who is calling ----------------------------------------------------------------
    def verify_widget_credential(self, credential: str) -> VerifiedCaller:
        """The caller a widget credential names (Unauthorized when it does not verify); the default:
        this CRM hands out none."""
        raise Unauthorized(f"{self.label} does not hand widget credentials to the panel",
                           reason="credential_not_offered")

    def verify_request(self, request: InboundRequest) -> VerifiedCaller:
        """The caller of a request the CRM signed (Unauthorized when it does not verify); the default:
        this CRM signs none."""
        raise Unauthorized(f"{self.label} does not sign panel requests", reason="credential_not_offered")

    @abc.abstractmethod
    def events(self, request: InboundRequest) -> WebhookOutcome:
        """Verify a webhook delivery and turn it into DealWon events (Unauthorized / BadRequest when it
        does not verify or parse: nothing may be stored)."""

    def acknowledge(self, outcome: WebhookOutcome, statuses: list[str]) -> Acknowledgement:
        """The answer to a verified delivery, given the intake's status of each won event (``accepted``,
        ``duplicate_event``, ``duplicate_deal``); the default: ``{"status": ...}`` of the first, 200."""
        return Acknowledgement(200, json.dumps({"status": statuses[0] if statuses else "ignored"}))

    def viewer(self, tenant: Tenant, caller: VerifiedCaller) -> Viewer:
        """The caller's roles and teams (ids and names) for role-based figures; may ask the CRM's users API
        (UpstreamError when it does not answer). The default: what the verified credential itself says -
        ``user_context`` ``roles`` / ``teams``, comma-separated (a CRM whose signed context carries the user's
        role, like a Salesforce Canvas signed request, fills them) - else the user id alone, so only user-list
        rules and the default levels apply."""
        def names(*keys: str) -> frozenset[str]:
            return frozenset(v.strip() for key in keys for v in caller.user_context.get(key, "").split(",")
                             if v.strip())
        # a Canvas signed request names the user's role and profile (``roleId``, ``profileId``)
        return Viewer(caller.user_id, roles=names("roles", "role_id", "profile_id"), teams=names("teams"))

    # -- the tenant's CRM ------------------------------------------------------------
    @abc.abstractmethod
    def connector_for(self, tenant: Tenant) -> CRMConnector:
        """The CRM API client for this tenant."""

    def settings_links(self, tenant: Tenant) -> list[SettingsLink]:
        """Links the settings page shows for a tenant of this CRM."""
        return []

    def active_tenant(self, installation_id: str) -> Tenant | None:
        """The active tenant installed in this CRM installation (Pipedrive company, HubSpot portal, ...)."""
        tenant = self.deps.tenant_cache.find(self.name, str(installation_id))
        return tenant if tenant is not None and tenant.active else None

    def tenant_of(self, caller: VerifiedCaller) -> Tenant:
        """The caller's tenant; Forbidden (``not_installed``) when erp-panel is not installed there."""
        tenant = self.active_tenant(caller.installation_id)
        if tenant is None:
            raise Forbidden(f"erp-panel is not installed in this {self.label} account", reason="not_installed")
        return tenant

    # -- leaving -----------------------------------------------------------------------
    def uninstall(self, tenant: Tenant) -> None:
        """Revoke what the vendor lets us revoke, drop tokens, ERP secrets and cached data; the tenant row
        stays for the audit trail."""
        try:
            self.revoke(tenant)
        except Exception as exc:  # noqa: BLE001 - best effort: the uninstall itself must complete
            log.warning("%s: tokens of tenant %s not revoked (%s)", self.name, tenant.id, type(exc).__name__)
        self.tenants.mark_uninstalled(tenant.id)
        self.deps.panel.forget_tenant(tenant.id)
        log.info("%s tenant %s uninstalled", self.name, tenant.id)

    def revoke(self, tenant: Tenant) -> None:  # noqa: B027 - optional hook, most CRMs revoke on their side
        """Revoke the tenant's tokens at the vendor (optional)."""
