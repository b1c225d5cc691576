"""The built-in sandbox ERP: deterministic data, fault injection, call counting (a demo surface).

Its ``CONNECTOR`` (name "sandbox", factory, settings form) is listed in app.erp.registry and refused in
production.
"""
from __future__ import annotations

from app.erp.base import ConnectorContext, ConnectorSpec, SettingField
from app.erp.sandbox.connector import SandboxERP
from app.erp.sandbox.faults import SandboxFaults
from app.erp.sandbox.orders import SqlOrderBook
from app.tenants.model import ERPConnectionSettings

__all__ = ["CONNECTOR", "SandboxERP", "SandboxFaults"]


def build_sandbox(conn: ERPConnectionSettings, ctx: ConnectorContext) -> SandboxERP:
    """Sandbox connector sharing the process's fault switches; orders live in the app DB."""
    book = SqlOrderBook(ctx.db, book=str(conn.config.get("book", "default"))) if ctx.db is not None else None
    return SandboxERP(clock=ctx.clock, faults=ctx.sandbox_faults, order_book=book,
                      seed=int(conn.config.get("seed", 42)))


CONNECTOR = ConnectorSpec(
    "sandbox", build_sandbox, label="Built-in sandbox ERP (demo data)",
    fields=(SettingField("seed", "Data seed", required=False, default="42",
                         help="Different seeds give different deterministic catalogues"),),
    permissions_help="No credentials needed; data is generated locally.",
    max_concurrent_requests=SandboxERP.max_concurrent_requests, demo_only=True)
