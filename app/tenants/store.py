"""SQL store for tenants, ERP connection settings, CRM credentials and account links.

Every query is scoped by tenant id; secrets go through SecretBox and are never
returned in plaintext except to the code that calls the vendor. Every write tells
the change listeners (the in-process tenant cache, which tells the other processes)
which tenant changed, after its transaction committed.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.storage.crypto import SecretBox
from app.storage.db import Database, insert_or_ignore, upsert
from app.tenants.model import CRMCredentials, ERPConnectionSettings, Tenant, TenantSettings
from app.tenants.tables import account_links, crm_credentials, erp_connections, tenants

#: account ids per query when a snapshot re-reads many links (keeps the IN list well below driver limits)
LINKS_PER_QUERY = 500


@dataclass(frozen=True)
class TenantSnapshot:
    """What a panel read needs about one tenant, read in one transaction."""

    tenant: Tenant | None
    connection: ERPConnectionSettings | None
    #: CRM account id -> linked ERP customer id, or None when not linked, for the accounts asked about
    links: dict[str, str | None]


class TenantStore:
    """Reads and writes tenant records."""

    def __init__(self, db: Database, secrets: SecretBox, clock: Clock):
        self.db = db
        self.secrets = secrets
        self.clock = clock
        self._listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(tenant_id)`` after every committed change to a tenant, its links,
        ERP connection or CRM credentials."""
        self._listeners.append(listener)

    def _changed(self, tenant_id: str) -> None:
        for listener in self._listeners:
            listener(tenant_id)

    # -- tenants ---------------------------------------------------------------
    def upsert_tenant(self, crm: str, installation_id: str, name: str = "",
                      settings: TenantSettings | None = None) -> Tenant:
        """Create the tenant for (crm, account key) or reactivate/rename the existing one."""
        now = self.clock.now()
        with self.db.write() as conn:
            # insert-or-ignore on (crm, account key): two installs racing in two processes get one tenant
            insert_or_ignore(conn, tenants, dict(
                id=str(uuid.uuid4()), crm=crm, installation_id=str(installation_id), name=name or "",
                status="active", settings=(settings or TenantSettings()).to_dict(), created_at=now,
                updated_at=now))
            tenant_id = conn.execute(sa.select(tenants.c.id).where(
                tenants.c.crm == crm, tenants.c.installation_id == str(installation_id))).scalar_one()
            values = {"status": "active", "updated_at": now}
            if name:
                values["name"] = name
            conn.execute(tenants.update().where(tenants.c.id == tenant_id).values(**values))
        self._changed(tenant_id)
        tenant = self.get(tenant_id)
        if tenant is None:
            raise RuntimeError(f"tenant {tenant_id} vanished right after its upsert")
        return tenant

    def get(self, tenant_id: str) -> Tenant | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id)).first()
        return _tenant(row) if row else None

    def find(self, crm: str, installation_id: str) -> Tenant | None:
        """The tenant installed for this CRM account (any status)."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(tenants).where(
                tenants.c.crm == crm, tenants.c.installation_id == str(installation_id))).first()
        return _tenant(row) if row else None

    def list(self) -> list[Tenant]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(tenants).order_by(tenants.c.created_at)).all()
        return [_tenant(r) for r in rows]

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        with self.db.write() as conn:
            conn.execute(tenants.update().where(tenants.c.id == tenant_id).values(
                settings=settings.to_dict(), updated_at=self.clock.now()))
        self._changed(tenant_id)

    def mark_uninstalled(self, tenant_id: str) -> None:
        """Uninstall: drop tokens and ERP secrets, keep the tenant row for the audit trail."""
        with self.db.write() as conn:
            conn.execute(crm_credentials.delete().where(crm_credentials.c.tenant_id == tenant_id))
            conn.execute(erp_connections.update().where(erp_connections.c.tenant_id == tenant_id)
                         .values(secrets_enc=None, updated_at=self.clock.now()))
            conn.execute(tenants.update().where(tenants.c.id == tenant_id).values(
                status="uninstalled", updated_at=self.clock.now()))
        self._changed(tenant_id)

    # -- ERP connection ----------------------------------------------------------
    def save_erp_connection(self, tenant_id: str, connector: str, config: dict[str, Any],
                            secrets: dict[str, str] | None = None) -> None:
        """Store ERP settings; ``secrets=None`` keeps the stored secrets unchanged."""
        now = self.clock.now()
        with self.db.write() as conn:
            existing = conn.execute(sa.select(erp_connections.c.secrets_enc).where(
                erp_connections.c.tenant_id == tenant_id)).first()
            if secrets is None:
                secrets_enc = existing.secrets_enc if existing else None
            else:
                secrets_enc = self.secrets.encrypt(json.dumps(secrets))
            upsert(conn, erp_connections, {"tenant_id": tenant_id},
                   dict(connector=connector, config=config, secrets_enc=secrets_enc, updated_at=now))
        self._changed(tenant_id)

    def get_erp_connection(self, tenant_id: str) -> ERPConnectionSettings | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(erp_connections).where(
                erp_connections.c.tenant_id == tenant_id)).first()
        return self._connection(row)

    def _connection(self, row: sa.Row[Any] | None) -> ERPConnectionSettings | None:
        if row is None:
            return None
        secrets = json.loads(self.secrets.decrypt(row.secrets_enc)) if row.secrets_enc else {}
        return ERPConnectionSettings(connector=row.connector, config=dict(row.config or {}), secrets=secrets)

    def snapshot(self, tenant_id: str, accounts: Iterable[str] = ()) -> TenantSnapshot:
        """The tenant, its ERP connection (secrets decrypted) and the links of ``accounts``, in one transaction."""
        wanted = sorted({str(a) for a in accounts})
        links: dict[str, str | None] = dict.fromkeys(wanted)
        with self.db.read() as conn:
            row = conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id)).first()
            connection = conn.execute(sa.select(erp_connections).where(
                erp_connections.c.tenant_id == tenant_id)).first()
            for start in range(0, len(wanted), LINKS_PER_QUERY):
                chunk = wanted[start:start + LINKS_PER_QUERY]
                for link in conn.execute(sa.select(account_links.c.crm_account_id, account_links.c.erp_customer_id)
                                         .where(account_links.c.tenant_id == tenant_id,
                                                account_links.c.crm_account_id.in_(chunk))):
                    links[link.crm_account_id] = link.erp_customer_id
        return TenantSnapshot(_tenant(row) if row else None, self._connection(connection), links)

    # -- CRM credentials ---------------------------------------------------------
    def save_crm_credentials(self, tenant_id: str, *, access_token: str | None, refresh_token: str | None,
                             expires_at: datetime | None, api_domain: str | None = None, scopes: str = "",
                             extra: dict[str, str] | None = None) -> None:
        """Store OAuth tokens encrypted; ``extra=None`` keeps stored extras."""
        enc = self.secrets.encrypt
        now = self.clock.now()
        with self.db.write() as conn:
            existing = conn.execute(sa.select(crm_credentials.c.extra_enc).where(
                crm_credentials.c.tenant_id == tenant_id)).first()
            extra_enc = (enc(json.dumps(extra)) if extra is not None
                         else (existing.extra_enc if existing else None))
            values = dict(
                access_token_enc=enc(access_token) if access_token else None,
                refresh_token_enc=enc(refresh_token) if refresh_token else None,
                expires_at=expires_at, api_domain=api_domain, scopes=scopes or "",
                extra_enc=extra_enc, updated_at=now)
            upsert(conn, crm_credentials, {"tenant_id": tenant_id}, values)
        self._changed(tenant_id)

    def get_crm_credentials(self, tenant_id: str) -> CRMCredentials | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(crm_credentials).where(
                crm_credentials.c.tenant_id == tenant_id)).first()
        if row is None:
            return None
        dec = self.secrets.decrypt
        return CRMCredentials(
            access_token=dec(row.access_token_enc) if row.access_token_enc else None,
            refresh_token=dec(row.refresh_token_enc) if row.refresh_token_enc else None,
            expires_at=row.expires_at, api_domain=row.api_domain, scopes=row.scopes or "",
            extra=json.loads(dec(row.extra_enc)) if row.extra_enc else {})

    # -- account links -----------------------------------------------------------
    def link_account(self, tenant_id: str, crm_account_id: str, erp_customer_id: str,
                     source: str = "admin") -> None:
        """Link a CRM account to an ERP customer (replaces an existing link)."""
        with self.db.write() as conn:
            upsert(conn, account_links, {"tenant_id": tenant_id, "crm_account_id": str(crm_account_id)},
                   {"erp_customer_id": erp_customer_id, "source": source, "updated_at": self.clock.now()})
        self._changed(tenant_id)

    def unlink_account(self, tenant_id: str, crm_account_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(account_links.delete().where(
                account_links.c.tenant_id == tenant_id, account_links.c.crm_account_id == str(crm_account_id)))
        self._changed(tenant_id)

    def erp_customer_for(self, tenant_id: str, crm_account_id: str) -> str | None:
        """The ERP customer id linked to a CRM account of this tenant, if any."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(account_links.c.erp_customer_id).where(
                account_links.c.tenant_id == tenant_id,
                account_links.c.crm_account_id == str(crm_account_id))).first()
        return row.erp_customer_id if row else None

    def list_links(self, tenant_id: str) -> dict[str, str]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(account_links).where(account_links.c.tenant_id == tenant_id)).all()
        return {r.crm_account_id: r.erp_customer_id for r in rows}

    def rotate_secrets(self) -> int:
        """Re-encrypt every stored secret under the newest key; returns how many were rewritten."""
        count = 0
        with self.db.write() as conn:
            for row in conn.execute(sa.select(erp_connections.c.tenant_id, erp_connections.c.secrets_enc)).all():
                if row.secrets_enc:
                    conn.execute(erp_connections.update().where(
                        erp_connections.c.tenant_id == row.tenant_id).values(
                        secrets_enc=self.secrets.rotate(row.secrets_enc)))
                    count += 1
            cols = ("access_token_enc", "refresh_token_enc", "extra_enc")
            for row in conn.execute(sa.select(crm_credentials)).all():
                values = {c: self.secrets.rotate(getattr(row, c)) for c in cols if getattr(row, c)}
                if values:
                    conn.execute(crm_credentials.update().where(
                        crm_credentials.c.tenant_id == row.tenant_id).values(**values))
                    count += len(values)
        return count


def _tenant(row: sa.Row[Any]) -> Tenant:
    return Tenant(id=row.id, crm=row.crm, installation_id=row.installation_id, name=row.name,
                  status=row.status, settings=TenantSettings.from_dict(row.settings),
                  created_at=row.created_at)
