"""Deterministic identifiers.

The ERP order's idempotency key must be a pure function of (tenant, deal): if
our local record is lost after the ERP accepted the order, the retry finds the
existing order by this key instead of creating a second one.
"""
from __future__ import annotations

import hashlib


def idempotency_key(tenant_id: str, crm_deal_id: str) -> str:
    """Key for "create the ERP order for this deal"; stable across retries and restarts.

    Short enough for every ERP reference field we use (Business Central's
    externalDocumentNumber takes 35 characters): "CRM-" + 24 hex chars = 28.
    """
    digest = hashlib.sha256(f"{tenant_id}\x1f{crm_deal_id}".encode()).hexdigest()
    return f"CRM-{digest[:24].upper()}"
