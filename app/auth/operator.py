"""Operator sessions for the operations page in a browser.

The operator token (ADMIN_TOKEN) is a bearer credential for API clients; a browser cannot send it
on a page load. Signing in on the operations page with it mints a short HS256 session (1 hour) in
its own ``__Host-`` cookie. The session is bound to a digest of the token, so changing ADMIN_TOKEN
ends every operator session; it only reads the operations page.
"""
from __future__ import annotations

import hashlib
import hmac

import jwt

from app.auth.hs256 import ALGORITHM, decode_with_any_key
from app.clock import Clock
from app.storage.crypto import derive_key

AUDIENCE = "erp-panel-operator"
COOKIE_NAME = "__Host-erp_panel_operator"
SESSION_TTL = 3600


class OperatorSessionInvalid(Exception):
    """No operator session, or an expired, forged or outdated one."""


class OperatorSessions:
    def __init__(self, secret_keys: list[str], admin_token: str, clock: Clock, ttl: int = SESSION_TTL):
        self.keys = [derive_key(k, "operator-session") for k in secret_keys]
        self.admin_token = admin_token
        self.clock = clock
        self.ttl = ttl

    def _binding(self) -> str:
        return hashlib.sha256(self.admin_token.encode()).hexdigest()[:32]

    def sign_in(self, presented: str) -> str:
        """A session for whoever presents the operator token; OperatorSessionInvalid otherwise."""
        if not self.admin_token or not hmac.compare_digest(presented.encode(), self.admin_token.encode()):
            raise OperatorSessionInvalid("that is not the operator token")
        now = int(self.clock.timestamp())
        return jwt.encode({"aud": AUDIENCE, "sub": "operator", "tok": self._binding(), "iat": now,
                           "exp": now + self.ttl}, self.keys[0], algorithm=ALGORITHM)

    def verify(self, token: str) -> None:
        """Return when ``token`` is a live operator session for the current ADMIN_TOKEN, else raise."""
        if not token or not self.admin_token:
            raise OperatorSessionInvalid("no operator session")
        try:
            claims = decode_with_any_key(token, self.keys, audience=AUDIENCE,
                                         options={"verify_exp": False, "require": ["exp", "tok"]})
        except jwt.PyJWTError as exc:
            raise OperatorSessionInvalid(str(exc)) from None
        if self.clock.timestamp() >= int(claims["exp"]):
            raise OperatorSessionInvalid("operator session expired")
        if not hmac.compare_digest(str(claims["tok"]), self._binding()):
            raise OperatorSessionInvalid("the operator token changed")
