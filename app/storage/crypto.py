"""Secrets at rest: MultiFernet over a list of keys (first encrypts, all decrypt).

Key rotation: put a new key first, run ``erp-panel rotate-keys`` (re-encrypts
every stored secret under the new key), then drop the old key.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from app.errors import ConfigError


class SecretDecryptError(Exception):
    """A stored secret could not be decrypted with any configured key."""


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, API keys) for storage."""

    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise ConfigError("ENCRYPTION_KEYS is empty: at least one Fernet key is required")
        fernets = []
        for index, key in enumerate(keys):
            try:
                fernets.append(Fernet(key.strip().encode()))
            except (ValueError, TypeError):
                raise ConfigError(
                    f"ENCRYPTION_KEYS entry {index + 1} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes; make one with `erp-panel new-key`)"
                ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt text; returns a url-safe ASCII token."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by encrypt() under any configured key."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise SecretDecryptError("stored secret cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError):
            raise SecretDecryptError("stored secret cannot be decrypted with the configured keys") from None


def new_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode("ascii")


def load_or_create_key_file(path: str) -> str:
    """Embedded mode: keep a generated key in the instance folder (mode 0600), never in the DB."""
    if os.path.exists(path):
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a sub-key from the app secret for one purpose (HMAC-based, 32 bytes)."""
    import hashlib
    import hmac
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)
