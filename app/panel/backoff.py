"""Error back-off per cache key: consecutive failed fetches, and how long readers leave the ERP alone.

Kept in the shared cache (``<key>:err``) so every process backs off together.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.errors import UpstreamError
from app.panel.model import SectionState
from app.panel.policy import CachePolicy


@dataclass(frozen=True)
class Streak:
    """Failed fetches of one key in a row, the last failure's reason and message, and the wait left."""

    failures: int = 0
    reason: str = ""
    message: str = ""
    wait: float = 0.0


class ErrorBackoff:
    """Counts failed fetches per key and says how long readers leave the ERP alone."""

    def __init__(self, cache: CacheBackend, policy: CachePolicy, clock: Clock):
        self.cache = cache
        self.policy = policy
        self.clock = clock

    def streak(self, key: str) -> Streak:
        entry = self.cache.get(key + ":err")
        if entry is None or entry.kind != "error" or not isinstance(entry.value, dict):
            return Streak()
        failures = int(entry.value.get("failures", 1))
        wait = self.policy.backoff_after(failures) - entry.age(self.clock.now())
        return Streak(failures, entry.source, str(entry.value.get("message", "")), max(wait, 0.0))

    def failed(self, key: str, exc: UpstreamError) -> None:
        """Count one more failed fetch (called by the fetching reader only, not by coalesced followers)."""
        failures = self.streak(key).failures + 1
        self.cache.set(key + ":err", CacheEntry(value={"failures": failures, "message": exc.message},
                                                fetched_at=self.clock.now(), source=exc.reason, kind="error"),
                       keep_seconds=self.policy.failure_memory)

    def succeeded(self, key: str) -> None:
        self.cache.delete(key + ":err")

    def state_after(self, failures: int) -> SectionState:
        """What a section with nothing to show says after ``failures`` failed fetches in a row."""
        return SectionState.RETRYING if failures < self.policy.unavailable_after else SectionState.UNAVAILABLE
