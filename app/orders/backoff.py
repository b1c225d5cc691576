"""Retry delays: capped exponential backoff with full jitter.

delay(n) = uniform(0, min(cap, base * 2**(n-1))) - the "full jitter" variant from
the AWS Architecture Blog "Exponential Backoff And Jitter" (2015): it spreads
retries of jobs that failed together, and its expectation min(cap, base*2**(n-1))/2
never decreases with n. A vendor's Retry-After is a floor, never shortened.
"""
from __future__ import annotations

import random


class Backoff:
    """Delay before retry number ``attempt`` (1 = first retry); the RNG is injectable for tests."""

    def __init__(self, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None):
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def ceiling(self, attempt: int) -> float:
        """Largest delay for this attempt (the cap once the exponential passes it)."""
        exponent = max(attempt, 1) - 1
        if exponent > 60:  # 2**60 * base is far past any cap; avoid float overflow
            return self.cap
        return min(self.cap, self.base * (2 ** exponent))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Random delay in [0, ceiling(attempt)], raised to ``retry_after`` when the vendor asked."""
        value = self.rng.uniform(0.0, self.ceiling(attempt))
        if retry_after is not None and retry_after > value:
            value = float(retry_after)
        return value
