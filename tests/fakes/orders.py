"""Helpers for order-pipeline tests: won events on the demo CRM, counting orders and write-backs, draining."""
from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from app.crm.base import CRMConnector
from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.tables import demo_deals
from app.domain.events import DealWon
from app.domain.ids import idempotency_key
from app.erp.sandbox.connector import SandboxERP
from app.erp.sandbox.orders import SqlOrderBook
from app.errors import CRM, UpstreamUnavailable
from app.orders.tables import order_jobs
from app.orders.worker import Worker
from tests.fakes.demo import demo


def won_event(services, tenant, deal_id: str, event_id: str | None = None) -> DealWon:
    """Mark the demo deal won (as the CRM would) and return the event its webhook carries."""
    demo(services).store.set_status(DEMO_COMPANY, deal_id, "won")
    return DealWon(tenant_id=tenant.id, crm_deal_id=deal_id, event_id=event_id or uuid.uuid4().hex,
                   occurred_at=services.clock.now(), crm="demo")


def add_demo_deals(services, count: int, *, account_id: str = "ACC-1001", currency: str = "EUR") -> list[str]:
    """Extra demo deals (linked account, known SKU) for load-style tests."""
    ids = [f"D-9{i:03d}" for i in range(count)]
    with services.db.write() as conn:
        for deal_id in ids:
            conn.execute(demo_deals.insert().values(
                id=deal_id, company=DEMO_COMPANY, account_id=account_id, title=f"Deal {deal_id}", status="open",
                currency=currency, lines=[{"sku": "SKU-1001", "name": "Widget", "quantity": "2", "unit_price": "10"}],
                write_back_count=0, updated_at=services.clock.now()))
    return ids


def erp_orders(services, tenant, deal_id: str) -> list:
    """Every order the sandbox ERP holds for this deal's idempotency key."""
    connector, _ = services.erp.connector_for(tenant)
    return connector.orders_for(idempotency_key(tenant.id, deal_id))


def deal_row(services, deal_id: str) -> dict:
    return demo(services).store.deal_row(DEMO_COMPANY, deal_id)


def job_statuses(services) -> list[tuple[str, str, str]]:
    return sorted((j.kind, j.crm_deal_id, j.status) for j in services.orders.queue.list(limit=1000))


def drain(services, clock, *, worker_id: str = "test-worker", rounds: int = 200, step_seconds: float = 400) -> None:
    """Run jobs until the queue is idle, jumping the clock to the next due job (at least ``step_seconds``
    when nothing is scheduled, e.g. a lease to expire) between rounds."""
    worker = Worker(services, worker_id)
    for _ in range(rounds):
        worker.drain()
        if services.orders.queue.pending_count() == 0:
            return
        due = next_due(services)
        if due is not None and due > clock.now():
            clock.set(due)
        else:
            clock.advance(step_seconds)
    raise AssertionError(f"queue did not go idle: {job_statuses(services)}")


def next_due(services):
    """When the earliest queued job may run (None when nothing is queued)."""
    with services.db.read() as conn:
        return conn.execute(sa.select(sa.func.min(order_jobs.c.run_after))
                            .where(order_jobs.c.status == "queued")).scalar()


class FlakyCRM(DemoIntegration):
    """The demo CRM whose first ``failures`` write-backs answer like a CRM returning 500."""

    def __init__(self, inner: DemoIntegration, failures: int):
        super().__init__(inner.deps)
        self.failures = failures
        self.attempts = 0
        self.written: list[tuple[str, object]] = []   # (deal id, WriteBack) the CRM accepted

    def connector_for(self, tenant) -> CRMConnector:
        flaky = self
        real = super().connector_for(tenant)

        class Connector(CRMConnector):
            name = real.name

            def get_deal(self, crm_deal_id):
                return real.get_deal(crm_deal_id)

            def get_account(self, crm_account_id):
                return real.get_account(crm_account_id)

            def write_erp_customer_id(self, crm_account_id, erp_customer_id):
                real.write_erp_customer_id(crm_account_id, erp_customer_id)

            def search_won_deals(self, since):
                return real.search_won_deals(since)

            def write_back(self, crm_deal_id, update, *, correlation_id=""):
                flaky.attempts += 1
                if flaky.failures > 0:
                    flaky.failures -= 1
                    raise UpstreamUnavailable("CRM answered 500", side=CRM, status=500)
                real.write_back(crm_deal_id, update, correlation_id=correlation_id)
                flaky.written.append((crm_deal_id, update))

        return Connector()


def wait_for(pool, done, timeout: float = 30.0) -> bool:
    """Wait until ``done()`` holds, re-checking whenever ``pool`` (a WorkerPool) finishes a job; no sleeping."""
    deadline = time.monotonic() + timeout
    while not done():
        seen = pool.finished.generation()
        if done():
            break
        if time.monotonic() > deadline:
            return False
        pool.finished.wait(seen, 0.5)
    return True


def count_rows(services, table) -> int:
    with services.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


class NaiveSandboxERP(SandboxERP):
    """The sandbox ERP without its own lookup-before-create: like an ERP API that happily stores a
    second order with the same reference, so only the order flow's lookup and lock keep orders single."""

    def create_order(self, request):
        self._skip_lookup = True
        try:
            return super().create_order(request)
        finally:
            self._skip_lookup = False

    def find_order(self, idempotency_key):
        if getattr(self, "_skip_lookup", False):
            return None
        return super().find_order(idempotency_key)


def use_naive_erp(services) -> NaiveSandboxERP:
    """Point this service graph's ERP registry at a NaiveSandboxERP sharing the app's order book and faults."""
    ctx = services.erp.context
    naive = NaiveSandboxERP(clock=ctx.clock, faults=ctx.sandbox_faults, order_book=SqlOrderBook(ctx.db))
    services.erp.connector_for = lambda tenant: (naive, "naive")
    return naive


def assert_one_order_on_the_deal(services, tenant, deal_id: str) -> None:
    """Exactly one ERP order for the deal, its number on the deal and no failure reason left there."""
    [order] = erp_orders(services, tenant, deal_id)
    row = deal_row(services, deal_id)
    assert row["erp_order_number"] == order.order_number and row["erp_failure_reason"] is None


def install_flaky_crm(services, failures: int) -> FlakyCRM:
    """Replace the demo CRM adapter of this service graph with a FlakyCRM around it."""
    flaky = FlakyCRM(demo(services), failures=failures)
    services.crm.add(flaky)
    return flaky
