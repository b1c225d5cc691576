"""Short-lived widget tokens (no third-party cookies).

After the CRM credential is verified once, the backend mints an HS256 JWT bound
to (tenant, CRM user[, record]) that lives at most a few minutes; the widget sends
it as ``Authorization: Bearer``. Keys rotate: the first key signs, all verify.
Expiry is checked against the injected clock.
"""
from __future__ import annotations

from dataclasses import dataclass

import jwt

from app.auth.hs256 import ALGORITHM, decode_with_any_key
from app.clock import Clock
from app.storage.crypto import derive_key

AUDIENCE = "erp-panel-widget"
MAX_TTL = 300


class WidgetTokenInvalid(Exception):
    """Missing, malformed, expired, wrongly signed or wrongly scoped token."""


@dataclass(frozen=True)
class WidgetClaims:
    tenant_id: str
    user_id: str
    crm: str
    object_id: str
    expires_at: int


class WidgetTokens:
    """Mints and verifies widget tokens."""

    def __init__(self, secret_keys: list[str], clock: Clock, ttl: int = MAX_TTL):
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        self.keys = [derive_key(k, "widget-token") for k in secret_keys]
        self.clock = clock
        self.ttl = min(ttl, MAX_TTL)

    def mint(self, tenant_id: str, user_id: str, crm: str, object_id: str = "") -> tuple[str, int]:
        """Return (token, expires_in seconds)."""
        now = int(self.clock.timestamp())
        claims = {"aud": AUDIENCE, "tid": tenant_id, "sub": user_id, "crm": crm, "obj": object_id,
                  "iat": now, "exp": now + self.ttl}
        return jwt.encode(claims, self.keys[0], algorithm=ALGORITHM), self.ttl

    def verify(self, token: str) -> WidgetClaims:
        """Claims of a valid token; raises WidgetTokenInvalid otherwise."""
        if not token:
            raise WidgetTokenInvalid("missing widget token")
        try:
            claims = decode_with_any_key(token, self.keys, audience=AUDIENCE,
                                         options={"verify_exp": False, "verify_iat": False,
                                                  "require": ["exp", "iat", "tid", "sub"]})
        except jwt.InvalidSignatureError:
            raise WidgetTokenInvalid("widget token signature does not match") from None
        except jwt.PyJWTError as exc:
            raise WidgetTokenInvalid(f"invalid widget token: {exc}") from None
        now = self.clock.timestamp()
        if now >= int(claims["exp"]):
            raise WidgetTokenInvalid("widget token expired")
        if int(claims["exp"]) - int(claims["iat"]) > MAX_TTL or int(claims["iat"]) > now + 60:
            raise WidgetTokenInvalid("widget token lifetime is not acceptable")
        return WidgetClaims(tenant_id=str(claims["tid"]), user_id=str(claims["sub"]), crm=str(claims.get("crm", "")),
                            object_id=str(claims.get("obj", "")), expires_at=int(claims["exp"]))
