"""Which deal stages mean "won" for a tenant, from the pipelines API, cached per tenant.

Stage ids are per account (default pipeline ``closedwon``, custom pipelines numeric ids), so
they are read from ``GET /crm/v3/pipelines/deals`` rather than matched by label. The set is
cached (tenant-prefixed key, so uninstall's ``forget_tenant`` drops it); a stage id we have
not seen triggers one re-read, because an admin may have added a pipeline since.
"""
from __future__ import annotations

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.crm.api import CRMApi
from app.crm.hubspot.mapping import won_stage_ids

STAGES_TTL = 15 * 60


class WonStages:
    """Resolves won stage ids for one tenant."""

    def __init__(self, tenant_id: str, client: CRMApi, cache: CacheBackend, clock: Clock,
                 ttl: int = STAGES_TTL):
        self.key = f"{tenant_id}:hubspot:stages"
        self.client = client
        self.cache = cache
        self.clock = clock
        self.ttl = ttl

    def _load(self) -> dict[str, bool]:
        pipelines = self.client.get("/crm/v3/pipelines/deals")
        won = won_stage_ids(pipelines)
        known = {str(s["id"]): str(s["id"]) in won
                 for p in pipelines.get("results", []) for s in p.get("stages", [])}
        self.cache.set(self.key, CacheEntry(value=known, fetched_at=self.clock.now(), source="hubspot"),
                       keep_seconds=self.ttl)
        return known

    def stages(self) -> dict[str, bool]:
        """stage id -> is won (cached)."""
        entry = self.cache.get(self.key)
        if entry is not None and entry.age(self.clock.now()) < self.ttl:
            return entry.value
        return self._load()

    def won_ids(self) -> set[str]:
        return {sid for sid, won in self.stages().items() if won}

    def is_won(self, stage_id: str) -> bool:
        """True when the stage is a closed-won stage; unknown ids cause one fresh read."""
        known = self.stages()
        if stage_id not in known:
            known = self._load()
        return known.get(stage_id, False)
