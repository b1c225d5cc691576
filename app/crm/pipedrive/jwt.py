"""Verifies the HS256 JWTs Pipedrive signs for JSON panels and custom UI extensions.

Facts (https://github.com/pipedrive/app-extensions-sdk#get-signed-token): HS256; claims ``userId`` and
``companyId`` (the Pipedrive company: the installation);
secret = the JWT secret set on the extension in Developer Hub, else the app's
client_secret (Pipedrive staff, devcommunity.pipedrive.com/t/7668 and /t/7347).
The SDK README says the signed token "is valid for 5 minutes"
(https://github.com/pipedrive/app-extensions-sdk#get-signed-token), so ``exp``
is enforced when present (against the injected clock) and ``iat`` may not lie
in the future. Only HS256 is accepted: ``alg: none`` or any other algorithm fails.
"""
from __future__ import annotations

import jwt

from app.auth.hs256 import ALGORITHM, decode_with_any_key
from app.clock import Clock
from app.crm.inbound import VerifiedCaller
from app.errors import Unauthorized

LEEWAY_SECONDS = 30


def _invalid(message: str) -> Unauthorized:
    """Signature, algorithm, expiry or claims did not check out."""
    return Unauthorized(message, reason="invalid_signature")


class PipedriveJWTVerifier:
    """Verifies Pipedrive-issued JWTs with the configured secrets."""

    def __init__(self, secrets: list[str], clock: Clock):
        self.secrets = [s for s in secrets if s]
        self.clock = clock

    def verify(self, token: str) -> VerifiedCaller:
        """The user and company (installation) a Pipedrive-signed token names; Unauthorized otherwise."""
        if not self.secrets:
            raise _invalid("Pipedrive is not configured on this server (no JWT secret)")
        if not token or len(token) > 4096:
            raise _invalid("missing Pipedrive token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid("malformed Pipedrive token") from None
        if header.get("alg") != ALGORITHM:
            raise _invalid("Pipedrive token must be signed with HS256")
        try:
            claims = decode_with_any_key(token, self.secrets,
                                         options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                                  "verify_aud": False, "require": ["userId", "companyId"]})
        except jwt.InvalidSignatureError:
            raise _invalid("Pipedrive token signature does not match") from None
        except jwt.PyJWTError as exc:
            raise _invalid(f"invalid Pipedrive token: {exc}") from None
        self._check_times(claims)
        user, company = str(claims["userId"]).strip(), str(claims["companyId"]).strip()
        if not user or not company:
            raise _invalid("Pipedrive token lacks userId/companyId")
        return VerifiedCaller(crm="pipedrive", installation_id=company, user_id=user)

    def _check_times(self, claims: dict) -> None:
        now = self.clock.timestamp()
        try:
            if "exp" in claims and now >= float(claims["exp"]) + LEEWAY_SECONDS:
                raise _invalid("Pipedrive token expired")
            if "iat" in claims and float(claims["iat"]) > now + LEEWAY_SECONDS:
                raise _invalid("Pipedrive token issued in the future")
            if "nbf" in claims and float(claims["nbf"]) > now + LEEWAY_SECONDS:
                raise _invalid("Pipedrive token not valid yet")
        except (TypeError, ValueError):
            raise _invalid("Pipedrive token has malformed time claims") from None
