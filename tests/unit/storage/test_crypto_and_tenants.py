import sqlalchemy as sa
from cryptography.fernet import Fernet

from app.clock import FrozenClock
from app.storage.crypto import SecretBox, SecretDecryptError
from app.storage.db import Database
from app.storage.schema import current_version, head_revision, upgrade
from app.tenants.model import TenantSettings
from app.tenants.store import TenantStore


def _store(url, keys):
    db = Database(url)
    clock = FrozenClock()
    upgrade(db)
    return TenantStore(db, SecretBox(keys), clock), db


def test_secret_box_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretBox([old]).encrypt("s3cr3t")
    both = SecretBox([new, old])
    assert both.decrypt(token) == "s3cr3t"
    rotated = both.rotate(token)
    assert SecretBox([new]).decrypt(rotated) == "s3cr3t"
    try:
        SecretBox([new]).decrypt(token)
    except SecretDecryptError:
        pass
    else:
        raise AssertionError("old token must not decrypt without the old key")


def _raw_dump(db) -> str:
    with db.engine.connect() as conn:
        parts = []
        for table in ("tenants", "erp_connections", "crm_credentials", "account_links"):
            parts += [repr(tuple(r)) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).all()]
    return "\n".join(parts)


def test_tokens_and_erp_secrets_never_stored_in_plaintext(tmp_path):
    key1 = Fernet.generate_key().decode()
    store, db = _store(f"sqlite:///{tmp_path}/t.db", [key1])
    secrets = []
    for n in range(3):
        tenant = store.upsert_tenant("pipedrive", f"company-{n}", f"Company {n}")
        access, refresh, api = f"access-TOKEN-{n}-abc", f"refresh-TOKEN-{n}-xyz", f"erp-SECRET-{n}"
        secrets += [access, refresh, api]
        store.save_crm_credentials(tenant.id, access_token=access, refresh_token=refresh, expires_at=None,
                                   api_domain="https://x.pipedrive.com", extra={"webhook_password": f"pw-{n}-hook"})
        secrets.append(f"pw-{n}-hook")
        store.save_erp_connection(tenant.id, "erpnext", {"url": "https://erp"}, {"api_secret": api})
    dump = _raw_dump(db)
    for secret in secrets:
        assert secret not in dump
    # rotate to a new key, then drop the old one: everything still decrypts
    key2 = Fernet.generate_key().decode()
    rotating, _ = _store(f"sqlite:///{tmp_path}/t.db", [key2, key1])
    assert rotating.rotate_secrets() == 3 * 4
    only_new, _ = _store(f"sqlite:///{tmp_path}/t.db", [key2])
    for n, tenant in enumerate(only_new.list()):
        creds = only_new.get_crm_credentials(tenant.id)
        assert creds.access_token == f"access-TOKEN-{n}-abc" and creds.extra == {"webhook_password": f"pw-{n}-hook"}
        assert only_new.get_erp_connection(tenant.id).secrets == {"api_secret": f"erp-SECRET-{n}"}


def test_tenant_store_round_trip_and_uninstall(tmp_path):
    store, db = _store(f"sqlite:///{tmp_path}/t.db", [Fernet.generate_key().decode()])
    assert current_version(db) == head_revision()
    tenant = store.upsert_tenant("hubspot", "62515", "Hub")
    again = store.upsert_tenant("hubspot", "62515")
    assert again.id == tenant.id and again.name == "Hub"
    settings = TenantSettings.from_dict({"credit_hold_policy": "create_and_flag", "unknown": 1,
                                         "status_translations": {"open": "Offen"}})
    store.save_settings(tenant.id, settings)
    loaded = store.get(tenant.id).settings
    assert loaded.credit_hold_policy == "create_and_flag"
    assert loaded.translate_status("open") == "Offen" and loaded.translate_status("closed") == "Closed"
    store.link_account(tenant.id, "ORG-1", "CUST-1")
    store.link_account(tenant.id, "ORG-1", "CUST-2")
    assert store.erp_customer_for(tenant.id, "ORG-1") == "CUST-2"
    assert store.erp_customer_for("other-tenant", "ORG-1") is None
    store.save_crm_credentials(tenant.id, access_token="a", refresh_token="r", expires_at=None)
    store.save_erp_connection(tenant.id, "sandbox", {}, {"k": "v"})
    store.mark_uninstalled(tenant.id)
    assert store.get(tenant.id).status == "uninstalled"
    assert store.get_crm_credentials(tenant.id) is None
    assert store.get_erp_connection(tenant.id).secrets == {}
    # reinstall reactivates the same tenant
    assert store.upsert_tenant("hubspot", "62515").active


def test_keep_stored_secrets_when_none_given(tmp_path):
    store, _ = _store(f"sqlite:///{tmp_path}/t.db", [Fernet.generate_key().decode()])
    tenant = store.upsert_tenant("demo", "c")
    store.save_erp_connection(tenant.id, "erpnext", {"url": "a"}, {"api_secret": "s"})
    store.save_erp_connection(tenant.id, "erpnext", {"url": "b"}, None)
    conn = store.get_erp_connection(tenant.id)
    assert conn.config == {"url": "b"} and conn.secrets == {"api_secret": "s"}
    assert "s" not in conn.redacted()["config"].values() and conn.redacted()["secrets_set"] == ["api_secret"]
