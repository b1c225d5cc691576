"""One-time, expiring OAuth ``state`` values (CSRF protection for the install callback).

Only the SHA-256 of a state is stored (``oauth_states`` table), with the PKCE verifier encrypted;
a state can be consumed once, before it expires. Consuming is a single conditional UPDATE, so
two concurrent callbacks with the same state cannot both succeed.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.clock import Clock
from app.crm.hubspot.errors import HubSpotProblem
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.tables import oauth_states

STATE_TTL = timedelta(minutes=10)


class StateInvalid(HubSpotProblem):
    """Unknown, reused or expired state; ``reason`` is a stable code."""


@dataclass(frozen=True)
class PendingInstall:
    state: str
    code_verifier: str


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class OAuthStateStore:
    """Issues and consumes install states for one CRM."""

    def __init__(self, db: Database, secret_box: SecretBox, clock: Clock, crm: str, ttl: timedelta = STATE_TTL):
        self.db = db
        self.box = secret_box
        self.clock = clock
        self.crm = crm
        self.ttl = ttl

    def issue(self, return_to: str | None = None) -> PendingInstall:
        """A fresh state (and PKCE verifier, 43+ chars as RFC 7636 asks)."""
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        now = self.clock.now()
        with self.db.write() as conn:
            conn.execute(oauth_states.insert().values(
                state_hash=_hash(state), crm=self.crm, code_verifier_enc=self.box.encrypt(verifier),
                return_to=return_to, created_at=now, expires_at=now + self.ttl, used_at=None))
            # housekeeping: states nobody came back for
            conn.execute(oauth_states.delete().where(oauth_states.c.expires_at < now - timedelta(days=1)))
        return PendingInstall(state=state, code_verifier=verifier)

    def consume(self, state: str) -> PendingInstall:
        """Mark the state used and return its verifier; raise StateInvalid otherwise."""
        if not state or len(state) > 200:
            raise StateInvalid("The install link is missing its state; start the installation again",
                               "state_missing")
        now = self.clock.now()
        key = _hash(state)
        with self.db.write() as conn:
            row = conn.execute(sa.select(oauth_states).where(
                oauth_states.c.state_hash == key, oauth_states.c.crm == self.crm)).first()
            if row is None:
                raise StateInvalid("This install link is not one we issued; start the installation again",
                                   "state_unknown")
            if row.used_at is not None:
                raise StateInvalid("This install link was already used; start the installation again",
                                   "state_reused")
            if row.expires_at <= now:
                raise StateInvalid("This install link has expired; start the installation again",
                                   "state_expired")
            done = conn.execute(oauth_states.update().where(
                oauth_states.c.state_hash == key, oauth_states.c.used_at.is_(None)).values(used_at=now))
            if done.rowcount != 1:
                raise StateInvalid("This install link was already used; start the installation again",
                                   "state_reused")
        verifier = self.box.decrypt(row.code_verifier_enc) if row.code_verifier_enc else ""
        return PendingInstall(state=state, code_verifier=verifier)
