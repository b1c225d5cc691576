"""The HTTP client of one ERP connection: the vendor HTTP layer with the ERP's read retries and settings.

Transport, retries and the status -> error rule are :mod:`app.net`'s (one layer for ERP and CRM
calls); each ERP package supplies its :class:`app.net.vendor.VendorTable` (ERPNext
``exc_type``/``_server_messages``, Odoo ``name``/``message``, ...).
"""
from __future__ import annotations

from dataclasses import replace

from app.erp.base import ConnectorContext
from app.net.client import RetryPolicy
from app.net.vendor import VendorTable
from app.net.vendor_http import VendorHTTP

#: reads: pauses 0.25 s, 0.5 s, ...; a 429 is waited out in-request only up to 2 s
ERP_RETRY = RetryPolicy(retries=2, first_pause=0.25, factor=2.0, max_retry_after_wait=2.0)


def erp_http(base_url: str, ctx: ConnectorContext, table: VendorTable, *, headers: dict[str, str] | None = None,
             secrets: tuple[str, ...] = ()) -> VendorHTTP:
    """ERP_TIMEOUT, ERP_HTTP_RETRIES read retries (pauses through the context's clock), the ERP outbound URL
    policy and the vendor's error table."""
    return VendorHTTP(base_url, table=table, headers=headers, secrets=secrets, timeout=ctx.timeout,
                      retry=replace(ERP_RETRY, retries=max(ctx.http_retries, 0)), sleep=ctx.clock.sleep,
                      policy=ctx.outbound)
