"""Registers the sandbox connector with the ERP registry."""
from __future__ import annotations

from app.erp import registry
from app.erp.sandbox.connector import SandboxERP
from app.erp.sandbox.orders import SqlOrderBook


def build_sandbox(conn, ctx) -> SandboxERP:
    """Sandbox connector sharing the process's fault switches; orders live in the app DB."""
    book = SqlOrderBook(ctx.db, book=str(conn.config.get("book", "default"))) if ctx.db is not None else None
    return SandboxERP(clock=ctx.clock, faults=ctx.sandbox_faults, order_book=book,
                      seed=int(conn.config.get("seed", 42)))


registry.register(
    "sandbox", build_sandbox, label="Built-in sandbox ERP (demo data)",
    fields=(registry.SettingField("seed", "Data seed", required=False, default="42",
                                  help="Different seeds give different deterministic catalogues"),),
    permissions_help="No credentials needed; data is generated locally.",
    max_concurrent_requests=SandboxERP.max_concurrent_requests)
