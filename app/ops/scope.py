"""Which tenant the current work is for, so low layers can attribute what they see.

The outbound HTTP layer knows the vendor and the answer but not the tenant; the panel read
service and the order worker do. They run their work inside ``tenant_scope`` and the HTTP
layer reads ``current_scope()`` (a ContextVar: per thread and per task, so parallel panel
reads of different tenants never mix).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ops.signals import Signals

_current: ContextVar[Scope | None] = ContextVar("erp_panel_ops_scope", default=None)


@dataclass(frozen=True)
class Scope:
    """The tenant being served and where its signals are recorded."""

    tenant_id: str
    signals: Signals


@contextmanager
def tenant_scope(tenant_id: str, signals: Signals) -> Iterator[Scope]:
    """Attribute what happens inside the block (outbound calls, budgets) to ``tenant_id``."""
    scope = Scope(tenant_id, signals)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> Scope | None:
    """The innermost ``tenant_scope`` of this thread/task, or None."""
    return _current.get()
