"""The OAuth install of any CRM: start, then the callback as a straight run of checks.

Each check fails with a named reason (an :class:`InstallError`) so the callback page can say in one
sentence what happened: ``state_mismatch`` (started in another browser), ``state_missing`` /
``state_unknown`` / ``state_reused`` / ``state_expired``, ``consent_denied`` / ``install_refused``
(the admin or the CRM said no), ``code_missing``, ``token_exchange_failed``, then the vendor's own
(who installed: e.g. ``users_me_failed``, ``hub_id_missing``; set-up after install: e.g.
``webhook_failed``, ``property_setup_failed``).

The state is one-time, expires, is stored hashed and is bound to the browser that started the
install (the web layer keeps it in a cookie and hands it back as ``browser_state``). A vendor that
starts installs on its own side without our state (Pipedrive's marketplace) may allow them; such
an install completes but never signs the browser in (it could be a login-CSRF link carrying
someone else's code).
"""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from app.crm.oauth.client import OAuthClient
from app.crm.oauth.states import InstallError, OAuthStates
from app.crm.oauth.tokens import InstallationTokens, TokenSet
from app.errors import UpstreamError
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

MAX_CODE_LENGTH = 2048


@dataclass(frozen=True)
class Installation:
    """Who installed, as the vendor says after the code exchange."""

    #: the CRM installation: Pipedrive company id, HubSpot hub id, Salesforce org id
    installation_id: str
    name: str
    user_id: str
    #: may this user open erp-panel's settings (a CRM admin)?
    is_admin: bool = True
    #: stored (encrypted) with the tokens; None keeps what an earlier install stored
    extra: Mapping[str, str] | None = field(default=None)


class VendorInstall(Protocol):
    """The vendor's part of an install."""

    def identify(self, tokens: TokenSet) -> Installation:
        """Learn the installation and the installing user (InstallError when the vendor will not say)."""

    def after_install(self, tenant: Tenant, tokens: TokenSet, installation: Installation) -> None:
        """Set the installation up: webhooks, CRM fields (InstallError when that fails)."""


@dataclass(frozen=True)
class InstallStart:
    """Where to send the browser, and the state to bind to it."""

    url: str
    state: str


@dataclass(frozen=True)
class InstallResult:
    tenant: Tenant
    user_id: str
    #: the callback carried a state this browser started with
    state_verified: bool
    #: a state-verified install by a CRM admin: the browser may get an admin session
    sign_in: bool


class OAuthFlow:
    """Starts an install and completes its callback into an installed tenant."""

    def __init__(self, *, crm: str, label: str, client: OAuthClient, states: OAuthStates,
                 tokens: InstallationTokens, tenants: TenantStore, vendor: VendorInstall,
                 stateless_installs: bool = False):
        self.crm = crm
        self.label = label
        self.client = client
        self.states = states
        self.tokens = tokens
        self.tenants = tenants
        self.vendor = vendor
        self.stateless_installs = stateless_installs

    def start(self) -> InstallStart:
        """The vendor's authorize URL with a fresh one-time state (and PKCE challenge)."""
        if not self.client.configured:
            raise InstallError(f"{self.label} is not configured on this server.", "not_configured")
        pending = self.states.issue(self.crm, pkce=self.client.pkce)
        return InstallStart(url=self.client.authorize_url(pending.state, pending.code_verifier), state=pending.state)

    def complete(self, *, code: str, state: str, browser_state: str, error: str = "") -> InstallResult:
        """Check the state, exchange the code, store the tokens, set the installation up."""
        verifier = None
        if state:
            if not browser_state or not hmac.compare_digest(state.encode(), browser_state.encode()):
                raise InstallError("This install link was started in another browser. Start the install again.",
                                   "state_mismatch")
            verifier = self.states.consume(self.crm, state).code_verifier   # one-time: spent even on refusal
        elif not self.stateless_installs or error:
            self.states.consume(self.crm, state)                            # raises state_missing
        if error:
            if error == "access_denied":
                raise InstallError(f"The installation was cancelled in {self.label}, so erp-panel has no access. "
                                   "Nothing was stored.", "consent_denied")
            raise InstallError(f"{self.label} reported an error during the install. Nothing was stored.",
                               "install_refused")
        if not code or len(code) > MAX_CODE_LENGTH:
            raise InstallError(f"{self.label} did not send an authorization code; start the installation again.",
                               "code_missing")
        try:
            tokens = self.tokens.parse(self.client.exchange(code, verifier))
        except UpstreamError as exc:
            raise InstallError(f"{self.label} did not accept the authorization ({exc.reason}). Start the install "
                               "again.", "token_exchange_failed") from None
        installation = self.vendor.identify(tokens)
        tenant = self.tenants.upsert_tenant(self.crm, installation.installation_id, installation.name)
        self.tokens.save(tenant.id, tokens, extra=dict(installation.extra) if installation.extra is not None else None)
        self.vendor.after_install(tenant, tokens, installation)
        return InstallResult(tenant=self.tenants.get(tenant.id) or tenant, user_id=installation.user_id,
                             state_verified=bool(state), sign_in=bool(state) and installation.is_admin)
