"""HubSpot's view of the shared one-time OAuth ``state`` store (app.crm.oauth_state).

HubSpot installs always use PKCE, so every state carries a verifier; this module
issues both and turns the shared store's refusals into HubSpot install problems
with HubSpot-flavoured messages.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from app.clock import Clock
from app.crm.hubspot.errors import HubSpotProblem
from app.crm.oauth_state import OAuthStateError, OAuthStates
from app.storage.crypto import SecretBox
from app.storage.db import Database

STATE_TTL = timedelta(minutes=10)

_MESSAGES = {
    "state_missing": "The install link is missing its state; start the installation again",
    "state_unknown": "This install link is not one we issued; start the installation again",
    "state_reused": "This install link was already used; start the installation again",
    "state_expired": "This install link has expired; start the installation again",
}


class StateInvalid(HubSpotProblem):
    """Unknown, reused or expired state; ``reason`` is a stable code."""


@dataclass(frozen=True)
class PendingInstall:
    state: str
    code_verifier: str


class OAuthStateStore:
    """Issues and consumes install states (with PKCE verifiers) for one CRM."""

    def __init__(self, db: Database, secret_box: SecretBox, clock: Clock, crm: str, ttl: timedelta = STATE_TTL):
        self.crm = crm
        self.states = OAuthStates(db, secret_box, clock, ttl=int(ttl.total_seconds()))

    def issue(self, return_to: str | None = None) -> PendingInstall:
        """A fresh state and PKCE verifier (43+ chars as RFC 7636 asks)."""
        verifier = secrets.token_urlsafe(48)
        state = self.states.create(self.crm, code_verifier=verifier, return_to=return_to)
        return PendingInstall(state=state, code_verifier=verifier)

    def consume(self, state: str) -> PendingInstall:
        """Mark the state used and return its verifier; raise StateInvalid otherwise."""
        if not state:
            raise StateInvalid(_MESSAGES["state_missing"], "state_missing")
        try:
            consumed = self.states.consume(self.crm, state)
        except OAuthStateError as exc:
            reason = "state_unknown" if exc.reason == "invalid_state" else exc.reason
            raise StateInvalid(_MESSAGES.get(reason, _MESSAGES["state_unknown"]), reason) from None
        return PendingInstall(state=state, code_verifier=consumed.code_verifier or "")
