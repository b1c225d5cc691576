"""Observations of the panel read service and the order worker: Prometheus metrics plus per-tenant signals.

The panel service and the worker call these methods at a few seams (a section served, an ERP
read done, a job attempt finished); the metric label rules live in :mod:`app.ops.metrics`, the
database signals in :mod:`app.ops.signals`.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.errors import UpstreamAuthFailed
from app.ops.metrics import (
    ORDER_JOB_FAILURES,
    ORDER_JOBS,
    PANEL_CACHE,
    PANEL_DATA_AGE,
    PANEL_SECTIONS,
    STALE_EXCEEDED,
    SYNCS,
    VENDOR_AUTH_FAILURES,
    WON_TO_NUMBER,
    tenant_label,
)
from app.ops.scope import Scope, tenant_scope
from app.ops.signals import AUTH_FAILURE, JOB_FAILED, JOB_OK, READ_FAILED, READ_OK, Signals
from app.ops.signals import STALE_EXCEEDED as STALE_SIGNAL
from app.orders.tables import order_inbox
from app.panel.model import PanelView, SectionState

#: section states whose data has an age worth measuring
_AGED_STATES = (SectionState.OK, SectionState.STALE)


@functools.cache
def _child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, looked up once: a warm panel read reports twelve of them, and ``labels``
    (lock, validation, tuple building) cost more than the rest of such a read's bookkeeping. Only for
    metrics whose label values come from small fixed sets (kinds, states), never tenants."""
    return metric.labels(*labels)


def auth_system(exc: BaseException | None) -> str | None:
    """"erp" or "crm" when ``exc`` says our credentials were refused (after any refresh), else None."""
    return exc.side if isinstance(exc, UpstreamAuthFailed) else None


class Observer:
    """Reports what the panel service and the worker did (thread-safe)."""

    def __init__(self, signals: Signals):
        self.signals = signals

    @contextmanager
    def scope(self, tenant_id: str) -> Iterator[Scope]:
        """Attribute outbound calls made inside the block to this tenant (see :mod:`app.ops.scope`)."""
        with tenant_scope(tenant_id, self.signals) as scope:
            yield scope

    # -- panel ----------------------------------------------------------------------------------
    def cache_lookup(self, kind: str, hit: bool) -> None:
        """A section was served from fresh cache (hit) or had to ask the ERP / degrade (miss)."""
        _child(PANEL_CACHE, kind, "hit" if hit else "miss").inc()

    def panel_served(self, view: PanelView) -> None:
        """Count every section of a served panel by state; measure the age of the data shown."""
        for section in view.sections.values():
            kind = section.kind.value
            _child(PANEL_SECTIONS, kind, section.state.value).inc()
            if section.state in _AGED_STATES and section.age_seconds is not None:
                _child(PANEL_DATA_AGE, kind).observe(section.age_seconds)
            if section.state == SectionState.UNAVAILABLE:
                # nothing newer than the kind's stale limit could be shown
                STALE_EXCEEDED.labels(tenant_label(view.tenant_id), kind).inc()
                self.signals.add(view.tenant_id, STALE_SIGNAL, kind)

    def erp_read(self, tenant_id: str, kind: str, error: BaseException | None) -> None:
        """One read of a data kind from the ERP finished (``error`` None: it answered)."""
        ok = error is None
        SYNCS.labels(tenant_label(tenant_id), "panel_read", "ok" if ok else "failed").inc()
        self._auth_failure(tenant_id, error)
        self.signals.add(tenant_id, READ_OK if ok else READ_FAILED, kind)

    # -- order jobs -----------------------------------------------------------------------------
    def job_finished(self, tenant_id: str, kind: str, outcome: str, error: BaseException | None) -> None:
        """A job attempt ended: ``outcome`` done | queued (retry scheduled) | dead | lease_lost."""
        ORDER_JOBS.labels(kind, outcome).inc()
        if error is not None:
            ORDER_JOB_FAILURES.labels(kind, outcome, str(getattr(error, "reason", "") or "unexpected")[:60]).inc()
        ok = error is None
        SYNCS.labels(tenant_label(tenant_id), "order_job", "ok" if ok else "failed").inc()
        self._auth_failure(tenant_id, error)
        self.signals.add(tenant_id, JOB_OK if ok else JOB_FAILED, kind)

    def _auth_failure(self, tenant_id: str, error: BaseException | None) -> None:
        system = auth_system(error)
        if system is None:
            return
        reason = str(getattr(error, "reason", "") or f"{system}_auth_failed")[:60]
        VENDOR_AUTH_FAILURES.labels(tenant_label(tenant_id), system, reason).inc()
        self.signals.add(tenant_id, AUTH_FAILURE, system, urgent=True)


def observe_number_written(conn: sa.Connection, tenant_id: str, crm_deal_id: str, now: datetime) -> None:
    """The ERP order number reached the deal: observe the time since the CRM's won event.

    Called by the order flow inside the transaction that records it (a read of the inbox row, no write).
    """
    row = conn.execute(sa.select(order_inbox.c.occurred_at, order_inbox.c.crm).where(
        order_inbox.c.tenant_id == tenant_id, order_inbox.c.crm_deal_id == crm_deal_id)).first()
    if row is not None:
        WON_TO_NUMBER.labels(row.crm or "unknown").observe(max((now - row.occurred_at).total_seconds(), 0.0))
