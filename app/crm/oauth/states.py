"""One-time, expiring OAuth ``state`` values for every CRM's install, and the one install error.

Only the SHA-256 of a state is stored (table ``oauth_states``), so a database read does not
reveal a usable state. A state is consumed atomically: the first callback that presents it marks
it used; a second use, an unknown state or an expired one is refused, each with its own reason
(``state_missing``, ``state_unknown``, ``state_reused``, ``state_expired``). The PKCE code
verifier, when the vendor takes one, is kept encrypted beside it.
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
MAX_STATE_LENGTH = 200

_MESSAGES = {
    "state_missing": "The install link is missing its state; start the installation again.",
    "state_unknown": "This install link is not one we issued; start the installation again.",
    "state_reused": "This install link was already used; start the installation again.",
    "state_expired": "This install link has expired; start the installation again.",
}


class InstallError(Exception):
    """The install did not complete; ``reason`` is a stable code, the message one plain sentence."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class PendingInstall:
    """What an issued state carries back to the callback."""

    state: str
    code_verifier: str | None = None
    return_to: str | None = None


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def _refused(reason: str) -> InstallError:
    return InstallError(_MESSAGES[reason], reason)


class OAuthStates:
    """Issues and consumes install states for one database (all CRMs; each state belongs to one)."""

    def __init__(self, db: Database, secrets_box: SecretBox, clock: Clock, ttl: int = STATE_TTL_SECONDS):
        self.db = db
        self.box = secrets_box
        self.clock = clock
        self.ttl = ttl

    def issue(self, crm: str, *, pkce: bool = False, return_to: str | None = None) -> PendingInstall:
        """A fresh random state (returned raw once; stored hashed), with a PKCE verifier (RFC 7636: 43+
        characters) when the vendor takes one."""
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48) if pkce else None
        now = self.clock.now()
        with self.db.write() as conn:
            # housekeeping: states older than a day are useless
            conn.execute(oauth_states.delete().where(oauth_states.c.expires_at < now - timedelta(days=1)))
            conn.execute(oauth_states.insert().values(
                state_hash=state_hash(state), crm=crm,
                code_verifier_enc=self.box.encrypt(verifier) if verifier else None,
                return_to=return_to, created_at=now, expires_at=now + timedelta(seconds=self.ttl)))
        return PendingInstall(state=state, code_verifier=verifier, return_to=return_to)

    def consume(self, crm: str, state: str) -> PendingInstall:
        """Mark the state used and return what was stored with it; InstallError otherwise."""
        if not state:
            raise _refused("state_missing")
        if len(state) > MAX_STATE_LENGTH:
            raise _refused("state_unknown")
        now = self.clock.now()
        key = state_hash(state)
        with self.db.write() as conn:
            row = conn.execute(sa.select(oauth_states).where(oauth_states.c.state_hash == key)).first()
            if row is None or row.crm != crm:
                raise _refused("state_unknown")
            if row.used_at is not None:
                raise _refused("state_reused")
            if row.expires_at <= now:
                raise _refused("state_expired")
            # conditional update: of two concurrent callbacks only one sees rowcount 1
            result = conn.execute(oauth_states.update().where(
                oauth_states.c.state_hash == key, oauth_states.c.used_at.is_(None)).values(used_at=now))
            if result.rowcount != 1:
                raise _refused("state_reused")
        verifier = self.box.decrypt(row.code_verifier_enc) if row.code_verifier_enc else None
        return PendingInstall(state=state, code_verifier=verifier, return_to=row.return_to)
