"""Error back-off per cache key: consecutive failed fetches, and how long readers leave the ERP alone.

Kept in the shared cache (``<key>:err``) so every process backs off together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.errors import UpstreamError
from app.panel.messages import rep_message
from app.panel.model import SectionState
from app.panel.policy import CachePolicy


@dataclass(frozen=True)
class Streak:
    """Failed fetches of one key in a row, the last failure's reason and rep sentence, the wait left, and when the
    first failure of the streak happened (the ERP has been unreachable since then)."""

    failures: int = 0
    reason: str = ""
    message: str = ""
    wait: float = 0.0
    since: datetime | None = None


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
        since = entry.value.get("since")
        return Streak(failures, entry.source, str(entry.value.get("message", "")), max(wait, 0.0),
                      since if isinstance(since, datetime) else entry.fetched_at)

    def failed(self, key: str, exc: UpstreamError) -> None:
        """Count one more failed fetch (called by the fetching reader only, not by coalesced followers)."""
        before = self.streak(key)
        now = self.clock.now()
        value = {"failures": before.failures + 1, "message": rep_message(exc), "since": before.since or now}
        self.cache.set(key + ":err", CacheEntry(value=value, fetched_at=now, source=exc.reason, kind="error"),
                       keep_seconds=self.policy.failure_memory)

    def succeeded(self, key: str) -> None:
        self.cache.delete(key + ":err")

    def state_after(self, failures: int) -> SectionState:
        """What a section with nothing to show says after ``failures`` failed fetches in a row."""
        return SectionState.RETRYING if failures < self.policy.unavailable_after else SectionState.UNAVAILABLE
