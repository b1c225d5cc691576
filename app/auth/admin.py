"""Admin sessions for the settings page and admin API.

An admin session is an HS256 JWT bound to one tenant, minted after the OAuth
install callback (the installing CRM user is an admin there) or by the demo's
admin login. The settings page is opened top-level, so the session travels in a
first-party ``__Host-`` cookie (Secure, HttpOnly, SameSite=Lax); API clients may
send it as a Bearer token. Operators can also use ADMIN_TOKEN (all tenants).
"""
from __future__ import annotations

from dataclasses import dataclass

import jwt

from app.auth.hs256 import ALGORITHM, decode_with_any_key
from app.clock import Clock
from app.storage.crypto import derive_key

AUDIENCE = "erp-panel-admin"
SESSION_TTL = 8 * 3600
COOKIE_NAME = "__Host-erp_panel_admin"


class AdminSessionInvalid(Exception):
    """Missing, expired or wrongly signed admin session."""


@dataclass(frozen=True)
class AdminClaims:
    tenant_id: str
    user_id: str


class AdminSessions:
    def __init__(self, secret_keys: list[str], clock: Clock, ttl: int = SESSION_TTL):
        self.keys = [derive_key(k, "admin-session") for k in secret_keys]
        self.clock = clock
        self.ttl = ttl

    def mint(self, tenant_id: str, user_id: str) -> str:
        now = int(self.clock.timestamp())
        return jwt.encode({"aud": AUDIENCE, "tid": tenant_id, "sub": user_id, "iat": now, "exp": now + self.ttl},
                          self.keys[0], algorithm=ALGORITHM)

    def verify(self, token: str) -> AdminClaims:
        if not token:
            raise AdminSessionInvalid("missing admin session")
        try:
            claims = decode_with_any_key(token, self.keys, audience=AUDIENCE,
                                         options={"verify_exp": False, "require": ["exp", "tid", "sub"]})
        except jwt.InvalidSignatureError:
            raise AdminSessionInvalid("admin session signature does not match") from None
        except jwt.PyJWTError as exc:
            raise AdminSessionInvalid(str(exc)) from None
        if self.clock.timestamp() >= int(claims["exp"]):
            raise AdminSessionInvalid("admin session expired")
        return AdminClaims(tenant_id=str(claims["tid"]), user_id=str(claims["sub"]))
