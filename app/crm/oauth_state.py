"""One-time, expiring OAuth ``state`` values shared by the CRM install flows.

Only the SHA-256 of a state is stored (table ``oauth_states``), so a database
read does not reveal a usable state. A state is consumed atomically: the first
callback that presents it marks it used; a second use, an unknown state or an
expired one is refused. The optional PKCE code verifier is kept encrypted beside it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.clock import Clock
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.tables import oauth_states

STATE_TTL_SECONDS = 600


class OAuthStateError(Exception):
    """The state is unknown, already used or expired; ``reason`` says which."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ConsumedState:
    crm: str
    code_verifier: str | None
    return_to: str | None


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


class OAuthStates:
    """Creates and consumes install states for one database."""

    def __init__(self, db: Database, secrets_box: SecretBox, clock: Clock, ttl: int = STATE_TTL_SECONDS):
        self.db = db
        self.box = secrets_box
        self.clock = clock
        self.ttl = ttl

    def create(self, crm: str, *, code_verifier: str | None = None, return_to: str | None = None) -> str:
        """A fresh random state (returned raw once; stored hashed)."""
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.write() as conn:
            # housekeeping: states older than a day are useless
            conn.execute(oauth_states.delete().where(oauth_states.c.expires_at < now - timedelta(days=1)))
            conn.execute(oauth_states.insert().values(
                state_hash=state_hash(state), crm=crm,
                code_verifier_enc=self.box.encrypt(code_verifier) if code_verifier else None,
                return_to=return_to, created_at=now, expires_at=now + timedelta(seconds=self.ttl)))
        return state

    def consume(self, crm: str, state: str) -> ConsumedState:
        """Mark the state used and return what was stored with it; raise OAuthStateError otherwise."""
        if not state or len(state) > 200:
            raise OAuthStateError("The install link is not valid.", "invalid_state")
        now = self.clock.now()
        key = state_hash(state)
        with self.db.write() as conn:
            row = conn.execute(sa.select(oauth_states).where(oauth_states.c.state_hash == key)).first()
            if row is None or row.crm != crm:
                raise OAuthStateError("The install link is not valid.", "invalid_state")
            if row.used_at is not None:
                raise OAuthStateError("This install link was already used.", "state_reused")
            if row.expires_at <= now:
                raise OAuthStateError("The install link has expired.", "state_expired")
            # conditional update: of two concurrent callbacks only one sees rowcount 1
            result = conn.execute(oauth_states.update().where(
                oauth_states.c.state_hash == key, oauth_states.c.used_at.is_(None)).values(used_at=now))
            if result.rowcount != 1:
                raise OAuthStateError("This install link was already used.", "state_reused")
        verifier = self.box.decrypt(row.code_verifier_enc) if row.code_verifier_enc else None
        return ConsumedState(crm=row.crm, code_verifier=verifier, return_to=row.return_to)
