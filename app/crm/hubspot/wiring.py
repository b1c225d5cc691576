"""Adds the HubSpot adapter to the service graph when the app's credentials are configured."""
from __future__ import annotations

import time

from app.crm.hubspot.adapter import HubSpotAdapter
from app.crm.hubspot.cards import CardData
from app.crm.hubspot.install import CRM, HubSpotInstaller
from app.crm.hubspot.install_state import OAuthStateStore
from app.crm.hubspot.oauth import HubSpotOAuth
from app.crm.hubspot.ratelimit import PortalRateLimiter
from app.crm.hubspot.tokens import HubSpotTokens

CALLBACK_PATH = "/hubspot/oauth/callback"


def install(services) -> None:
    """Register the adapter as ``services.crm.get("hubspot")`` and ``services.extra["hubspot"]``."""
    s = services.settings
    if not (s.hubspot_client_id and s.hubspot_client_secret):
        return          # not configured: no HubSpot routes do anything but say so
    oauth = HubSpotOAuth(s.hubspot_client_id, s.hubspot_client_secret, s.public_base_url.rstrip("/") + CALLBACK_PATH,
                         timeout=s.hubspot_timeout, use_pkce=s.hubspot_pkce)
    tokens = HubSpotTokens(services.tenants, oauth, services.clock)
    adapter = HubSpotAdapter(client_secret=s.hubspot_client_secret, tenants=services.tenants,
                             cache=services.cache, clock=services.clock, tokens=tokens,
                             limiter=PortalRateLimiter(services.clock), timeout=s.hubspot_timeout,
                             accept_v1_webhooks=s.hubspot_accept_v1_webhooks,
                             erp_property=s.hubspot_company_erp_property,
                             sleep=s.extra.get("hubspot_sleep", time.sleep))
    adapter.installer = HubSpotInstaller(oauth, OAuthStateStore(services.db, services.secrets, services.clock, CRM),
                                         tokens, services.tenants, services.panel, adapter.connector_for,
                                         s.hubspot_company_erp_property)
    adapter.cards = CardData(services.panel, services.cache, services.clock, adapter.connector_for)
    services.crm.add(adapter)
    services.extra["hubspot"] = adapter
