"""HS256 JWT decoding with key rotation, shared by every token this app verifies.

Several keys may be configured (newest first) so secrets can rotate: a token is
accepted when any key's signature matches. Callers translate the PyJWT errors
into their own "invalid token" exception and check times against the injected clock.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jwt

ALGORITHM = "HS256"


def decode_with_any_key(token: str, keys: Iterable[str | bytes], **decode_kwargs: Any) -> dict[str, Any]:
    """Claims of ``token`` under the first key whose HS256 signature matches.

    Raises ``jwt.InvalidSignatureError`` when no key matches and any other
    ``jwt.PyJWTError`` (malformed token, missing required claim, wrong audience)
    as PyJWT raises it. Only HS256 is accepted, so ``alg: none`` never passes.
    """
    for key in keys:
        try:
            return jwt.decode(token, key, algorithms=[ALGORITHM], **decode_kwargs)
        except jwt.InvalidSignatureError:
            continue
    raise jwt.InvalidSignatureError("no configured key matches the signature")
