"""A connector with URL + secret credentials for admin-settings tests (data from the sandbox).

The sandbox itself has no secret settings, so tests of "secrets are encrypted,
never shown back, kept when left blank" register this one under a test-only name.
"""
from __future__ import annotations

from contextlib import contextmanager

from app.erp import registry
from app.erp.base import ConnectionCheck, ERPAuthError
from app.erp.sandbox.connector import SandboxERP

NAME = "credential_test_erp"
GOOD_KEY = "key-good"

FIELDS = (
    registry.SettingField("url", "ERP URL", help="Base URL, e.g. https://erp.example.com"),
    registry.SettingField("company", "Company", required=False, default="Main"),
    registry.SettingField("api_key", "API key", secret=True),
    registry.SettingField("api_secret", "API secret", secret=True, required=False),
)


class CredentialCheckingERP(SandboxERP):
    """Sandbox data behind a credential check like a real ERP's."""

    name = NAME

    def __init__(self, conn, ctx):
        super().__init__(clock=ctx.clock, faults=ctx.sandbox_faults)
        self.conn = conn
        if not conn.config.get("url", "").startswith("https://"):
            raise ValueError(f"bad url {conn.config.get('url')!r}")

    def check_connection(self) -> ConnectionCheck:
        if self.conn.secrets.get("api_key") != GOOD_KEY:
            raise ERPAuthError("The API key was not accepted (HTTP 401).")
        return ConnectionCheck(True, "ok", f"Signed in to {self.conn.config['url']}")


@contextmanager
def registered():
    """Register the connector for the duration of a test, then remove it again."""
    registry.register(NAME, CredentialCheckingERP, label="Credential test ERP", fields=FIELDS,
                      permissions_help="Read access to customers and items.")
    try:
        yield NAME
    finally:
        registry._FACTORIES.pop(NAME, None)
        registry._DESCRIPTIONS.pop(NAME, None)
