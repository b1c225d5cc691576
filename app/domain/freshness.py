"""A value read from a system of record, with when and where it came from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """Wraps any read so every figure can show how old it is."""

    value: T
    fetched_at: datetime
    source: str

    def age_seconds(self, now: datetime) -> float:
        """Seconds since the value was fetched (never negative)."""
        return max((now - self.fetched_at).total_seconds(), 0.0)
