"""Secrets typed for "Test connection", kept until Save.

An admin types the ERP's credentials, presses Test connection and then Save: the page that answers the test
must not show the secrets back (nor put them in the HTML), yet Save should not need them typed again. The
typed secrets are kept encrypted (the app's MultiFernet keys) in the cache for DRAFT_SECONDS, under this admin
session and connector; Save uses them for secret fields left blank, then drops them.
"""
from __future__ import annotations

import hashlib
import json

from app.cache.backend import CacheEntry
from app.erp import registry as erp_registry
from app.storage.crypto import SecretDecryptError
from app.web.context import services
from app.web.csrf import csrf_token

#: how long typed secrets wait for Save (seconds)
DRAFT_SECONDS = 600


def _key(tenant_id: str, connector: str) -> str:
    session = hashlib.sha256(csrf_token().encode()).hexdigest()[:24]
    return f"{tenant_id}:erp-secret-draft:{session}:{connector}"


def _secret_names(connector: str) -> set[str]:
    spec = erp_registry.describe(connector)
    return {f.name for f in spec.fields if f.secret} if spec else set()


def keep(tenant_id: str, connector: str, values: dict[str, str]) -> None:
    """Remember the secrets typed in ``values`` (only non-blank secret fields)."""
    typed = {k: v for k, v in values.items() if k in _secret_names(connector) and v}
    if not typed or not csrf_token():
        return
    merged = {**kept(tenant_id, connector), **typed}
    svc = services()
    svc.cache.set(_key(tenant_id, connector), CacheEntry(value=svc.secrets.encrypt(json.dumps(merged)),
                                                         fetched_at=svc.clock.now(), source="admin"),
                  keep_seconds=DRAFT_SECONDS)


def kept(tenant_id: str, connector: str) -> dict[str, str]:
    """The secrets kept for this admin session and connector ({} when none)."""
    if not csrf_token():
        return {}
    svc = services()
    entry = svc.cache.get(_key(tenant_id, connector))
    if entry is None or entry.age(svc.clock.now()) > DRAFT_SECONDS:
        return {}
    try:
        data = json.loads(svc.secrets.decrypt(str(entry.value)))
    except (SecretDecryptError, ValueError):      # a key rotated away, or not ours: forget it
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def with_kept(tenant_id: str, connector: str, values: dict[str, str]) -> dict[str, str]:
    """``values`` with blank secret fields filled from the kept secrets."""
    draft = kept(tenant_id, connector)
    return {**values, **{k: v for k, v in draft.items() if not values.get(k)}}


def drop(tenant_id: str, connector: str) -> None:
    services().cache.delete(_key(tenant_id, connector))
