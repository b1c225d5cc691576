"""One shape for the HubSpot integration's own failures: a plain sentence plus a stable reason code."""
from __future__ import annotations


class HubSpotProblem(Exception):
    """Base of signature, install-state, install, OAuth and webhook-payload failures."""

    reason = "hubspot_problem"

    def __init__(self, message: str, reason: str | None = None, *, retriable: bool = False):
        super().__init__(message)
        if reason:
            self.reason = reason
        self.retriable = retriable
