"""Helpers for order status tests: move an order on in the ERP, then poll once and run the write-backs."""
from __future__ import annotations

from datetime import timedelta

from app.domain.ids import idempotency_key
from tests.fakes.orders import drain

#: the ERP steps of an order's life and the stage each one leads to
LIFE = (("deliver", "delivered"), ("invoice", "invoiced"), ("pay", "paid"))


def advance(services, tenant, deal_id: str, step: str, fake=None) -> None:
    """Move the deal's order on in the ERP as people there would (the sandbox, or a vendor fake)."""
    key = idempotency_key(tenant.id, deal_id)
    if fake is not None:
        fake.advance(key, step)
    else:
        services.erp.connector_for(tenant)[0].advance_order(key, step)


def one_poll(services, clock, owner: str = "worker-a"):
    """Let the tenant's poll interval pass, run ONE poll tick, then the write-back jobs it queued."""
    clock.advance(timedelta(minutes=5).total_seconds())
    outcomes = services.orders.status.tick(owner)
    drain(services, clock)
    return outcomes
