"""Who is looking at a panel: a verified CRM caller as a ``Viewer`` (roles and teams), cached briefly.

The CRM's users API is asked only when the installation's figure policy has role or team rules,
at most once per user every ``ttl`` seconds per process (5 minutes: a role change reaches the panel
within that). A CRM that does not answer gives the user id alone for ``failure_ttl`` seconds - the
policy's default then applies (fail closed: a role never grants figures it could not be checked for).
"""
from __future__ import annotations

import json
import logging
import threading
from functools import lru_cache

from cachetools import TLRUCache

from app.clock import Clock
from app.crm.inbound import VerifiedCaller
from app.crm.registry import CRMRegistry
from app.domain.readiness import Readiness
from app.errors import AppError, UpstreamError
from app.panel.figures import FigurePolicy, Levels, Viewer, restrict, restrict_readiness
from app.panel.model import PanelView
from app.tenants.model import Tenant

log = logging.getLogger("erp_panel.crm")

VIEWER_TTL = 300
FAILURE_TTL = 30
MAX_VIEWERS = 10_000


@lru_cache(maxsize=256)
def _parsed(text: str) -> FigurePolicy:
    return FigurePolicy.parse(json.loads(text))


def policy_of(tenant: Tenant) -> FigurePolicy:
    """The installation's figure policy (everything in full when the admin set none)."""
    raw = tenant.settings.figure_policy
    if not raw:
        return FigurePolicy()
    return _parsed(json.dumps(raw, sort_keys=True))


class ViewerDirectory:
    """Verified callers -> Viewers, through each CRM integration's ``viewer``."""

    def __init__(self, crm: CRMRegistry, clock: Clock, *, ttl: float = VIEWER_TTL,
                 failure_ttl: float = FAILURE_TTL, max_entries: int = MAX_VIEWERS):
        self.crm = crm
        self.clock = clock
        self.failure_ttl = failure_ttl
        self.ttl = ttl
        self._cache: TLRUCache = TLRUCache(maxsize=max_entries, ttu=lambda _k, value, now: now + value[1],
                                           timer=clock.timestamp)
        self._lock = threading.Lock()

    def viewer(self, tenant: Tenant, caller: VerifiedCaller) -> Viewer:
        """The caller's roles and teams (only the user id when the policy needs no more)."""
        if not policy_of(tenant).needs_directory:
            return Viewer(caller.user_id)
        key = (tenant.id, caller.user_id)
        with self._lock:
            known = self._cache.get(key)
        if known is not None:
            return known[0]
        integration = self.crm.find(tenant.crm)
        ttl = self.ttl
        try:
            found = integration.viewer(tenant, caller) if integration is not None else Viewer(caller.user_id)
        except (UpstreamError, AppError) as exc:
            log.warning("roles of a %s user could not be read for tenant %s (%s)", tenant.crm, tenant.id,
                        getattr(exc, "reason", type(exc).__name__))
            found, ttl = Viewer(caller.user_id), self.failure_ttl
        with self._lock:
            self._cache[key] = (found, ttl)
        return found

    def levels(self, tenant: Tenant, viewer: Viewer) -> Levels:
        """Each panel section's level for this viewer under the installation's policy."""
        return policy_of(tenant).levels_for(viewer)

    def restrict(self, tenant: Tenant, viewer: Viewer, view: PanelView) -> PanelView:
        """The panel as this viewer may see it (every surface calls this before presenting a panel)."""
        return restrict(view, self.levels(tenant, viewer), self.clock.now().date())

    def restrict_readiness(self, tenant: Tenant, viewer: Viewer, readiness: Readiness) -> Readiness:
        """A deal's readiness as this viewer may see it (every surface calls this before presenting one)."""
        return restrict_readiness(readiness, self.levels(tenant, viewer))
