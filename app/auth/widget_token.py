"""Short-lived widget tokens (no third-party cookies).

After the CRM credential is verified once, the backend mints an HS256 JWT bound
to (tenant, CRM user[, record]) that lives at most a few minutes; the widget sends
it as ``Authorization: Bearer``. Keys rotate: the first key signs, all verify.
Expiry is checked against the injected clock.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import jwt
from cachetools import LRUCache

from app.auth.hs256 import ALGORITHM, decode_with_any_key
from app.clock import Clock
from app.storage.crypto import derive_key

AUDIENCE = "erp-panel-widget"
MAX_TTL = 300
#: bytes of tokens whose signature was checked, kept per process (a panel re-reads with the same token)
VERIFIED_MEMO_BYTES = 2 * 1024 * 1024
#: per remembered token: its text (about 300 bytes: only tokens we signed are kept), the claims object and
#: the LRU's bookkeeping
VERIFIED_ENTRY_BYTES = 1200


class WidgetTokenInvalid(Exception):
    """Missing, malformed, expired, wrongly signed or wrongly scoped token."""


@dataclass(frozen=True)
class WidgetClaims:
    tenant_id: str
    user_id: str
    crm: str
    object_id: str
    expires_at: int
    issued_at: int = 0
    #: the user's CRM roles and teams as verified at the session exchange (role-based figures)
    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


class WidgetTokens:
    """Mints and verifies widget tokens."""

    def __init__(self, secret_keys: list[str], clock: Clock, ttl: int = MAX_TTL):
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        self.keys = [derive_key(k, "widget-token") for k in secret_keys]
        self.clock = clock
        self.ttl = min(ttl, MAX_TTL)
        # token text -> its claims, once its signature matched: the same text needs no second HMAC and JSON
        # decode; its times are checked on every use
        self._verified: LRUCache[str, WidgetClaims] = LRUCache(maxsize=VERIFIED_MEMO_BYTES,
                                            getsizeof=lambda _claims: VERIFIED_ENTRY_BYTES)
        self._lock = threading.Lock()

    def mint(self, tenant_id: str, user_id: str, crm: str, object_id: str = "", *,
             roles: tuple[str, ...] = (), teams: tuple[str, ...] = ()) -> tuple[str, int]:
        """Return (token, expires_in seconds)."""
        now = int(self.clock.timestamp())
        claims: dict[str, object] = {"aud": AUDIENCE, "tid": tenant_id, "sub": user_id, "crm": crm,
                                     "obj": object_id, "iat": now, "exp": now + self.ttl}
        if roles:
            claims["rol"] = sorted(roles)
        if teams:
            claims["tms"] = sorted(teams)
        return jwt.encode(claims, self.keys[0], algorithm=ALGORITHM), self.ttl

    def verify(self, token: str) -> WidgetClaims:
        """Claims of a valid token; raises WidgetTokenInvalid otherwise."""
        if not token:
            raise WidgetTokenInvalid("missing widget token")
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            return self._in_time(known)
        try:
            claims = decode_with_any_key(token, self.keys, audience=AUDIENCE,
                                         options={"verify_exp": False, "verify_iat": False,
                                                  "require": ["exp", "iat", "tid", "sub"]})
        except jwt.InvalidSignatureError:
            raise WidgetTokenInvalid("widget token signature does not match") from None
        except jwt.PyJWTError as exc:
            raise WidgetTokenInvalid(f"invalid widget token: {exc}") from None
        try:
            verified = WidgetClaims(tenant_id=str(claims["tid"]), user_id=str(claims["sub"]),
                                    crm=str(claims.get("crm", "")), object_id=str(claims.get("obj", "")),
                                    expires_at=int(claims["exp"]), issued_at=int(claims["iat"]),
                                    roles=_names(claims.get("rol")), teams=_names(claims.get("tms")))
        except (TypeError, ValueError):
            raise WidgetTokenInvalid("invalid widget token: exp and iat must be numbers") from None
        if verified.expires_at - verified.issued_at > MAX_TTL:
            raise WidgetTokenInvalid("widget token lifetime is not acceptable")
        self._in_time(verified)
        with self._lock:
            try:
                self._verified[token] = verified
            except ValueError:      # a token larger than the memo: verified every time
                pass
        return verified

    def _in_time(self, claims: WidgetClaims) -> WidgetClaims:
        now = self.clock.timestamp()
        if now >= claims.expires_at:
            raise WidgetTokenInvalid("widget token expired")
        if claims.issued_at > now + 60:
            raise WidgetTokenInvalid("widget token lifetime is not acceptable")
        return claims
