"""A connector with URL + secret credentials for admin-settings tests (data from the sandbox).

The sandbox itself has no secret settings, so tests of "secrets are encrypted,
never shown back, kept when left blank" register this one under a test-only name.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from app.erp import registry
from app.erp.base import ConnectionCheck, ConnectorSpec, SettingField
from app.erp.sandbox.connector import SandboxERP
from app.errors import ERP, UpstreamAuthFailed

NAME = "credential_test_erp"
GOOD_KEY = "key-good"

FIELDS = (
    SettingField("url", "ERP URL", help="Base URL, e.g. https://erp.example.com"),
    SettingField("company", "Company", required=False, default="Main"),
    SettingField("api_key", "API key", secret=True),
    SettingField("api_secret", "API secret", secret=True, required=False),
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
            raise UpstreamAuthFailed("The API key was not accepted (HTTP 401).", side=ERP)
        return ConnectionCheck(True, "ok", f"Signed in to {self.conn.config['url']}")


@contextmanager
def registered() -> Iterator[str]:
    """Register the connector for the duration of a test, then remove it again."""
    spec = registry.with_concurrency_field(ConnectorSpec(
        NAME, CredentialCheckingERP, label="Credential test ERP", fields=FIELDS,
        permissions_help="Read access to customers and items."))
    with mock.patch.dict(registry._BY_NAME, {NAME: spec}):
        yield NAME
