"""Order status polling benchmark: ERP requests per poll, batched per tenant vs a naive per-order poll.

1,000 open orders across 10 tenants, two tenants on each registered ERP (the sandbox, and the ERPNext,
Odoo, NetSuite and Business Central HTTP fakes from tests/fakes, answering like the vendors' APIs with
200 rows per page, their default). A third of the orders are delivered, one in five invoiced, one in ten paid, so the
reads that only concern moved orders (invoices, Odoo's lines) happen too. One poll runs through the real
status poller (due tenants, the ops_tasks claim, one ``read_order_progress`` per tenant, the changes
recorded with their write-back jobs); the baseline asks the ERP once per order, as a poller without a
batched read would. Requests are counted at each fake's HTTP layer (the sandbox: order book reads).

Run: .venv/bin/python bench/order_status.py [--orders-per-tenant 100]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any

import responses
import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app
from app.clock import FrozenClock
from app.domain.ids import idempotency_key
from app.orders.records import WRITTEN_BACK
from app.orders.tables import order_records
from tests.contract.erp import harness
from tests.contract.erp.test_orders_contract import order_request

KINDS = ("sandbox", "erpnext", "odoo-json2", "netsuite-m2m", "businesscentral")
BUILD = {"sandbox": harness.sandbox_harness, "erpnext": harness.erpnext_harness,
         "odoo-json2": lambda clock, mock: harness.odoo_harness(clock, mock, "json2", 19),
         "netsuite-m2m": harness.netsuite_harness, "businesscentral": harness.businesscentral_harness}


class CountingBook:
    """The sandbox order book, counting reads (the sandbox's stand-in for ERP requests)."""

    def __init__(self, book: Any):
        self.book, self.reads = book, 0

    def find_many(self, keys):
        self.reads += 1
        return self.book.find_many(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)


def requests_of(erp: harness.ERPUnderTest) -> int:
    return len(erp.fake.seen) if erp.fake is not None else erp.connector.orders.reads


def reset(erp: harness.ERPUnderTest) -> None:
    if erp.fake is not None:
        erp.fake.seen.clear()
    else:
        erp.connector.orders.reads = 0


def seed_orders(services: Any, fakes: dict[str, harness.ERPUnderTest], clock: FrozenClock,
                orders_per_tenant: int) -> dict[str, tuple[str, harness.ERPUnderTest]]:
    """Ten tenants, two on each ERP's fake, each with ``orders_per_tenant`` written-back orders that people
    have moved on in the ERP (every 3rd delivered, every 5th invoiced, every 10th paid)."""
    erps: dict[str, tuple[str, harness.ERPUnderTest]] = {}
    for n in range(10):
        kind = KINDS[n % len(KINDS)]
        tenant = services.tenants.upsert_tenant("demo", f"bench-{n}", f"Bench {n}")
        erp = fakes[kind]
        erps[tenant.id] = (kind, erp)
        with services.db.write() as conn:
            for d in range(orders_per_tenant):
                deal = f"D-{d}"
                key = idempotency_key(tenant.id, deal)
                created = erp.connector.create_order(order_request(key))
                now = clock.now()
                conn.execute(order_records.insert().values(
                    tenant_id=tenant.id, crm_deal_id=deal, idempotency_key=key, state=WRITTEN_BACK,
                    erp_order_number=created.order_number, erp_status="open", credit_flagged=False,
                    correlation_id="bench", created_at=now, updated_at=now))
                for step, every in (("deliver", 3), ("invoice", 5), ("pay", 10)):
                    if d % every == 0:
                        erp.advance(key, step)
    return erps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-tenant", type=int, default=100)
    args = parser.parse_args()
    harness.PAGE_SIZE = 200          # the connectors' default page size (the contract suite pages at 2)
    clock = FrozenClock()
    tmp = tempfile.mkdtemp(prefix="erp-panel-bench-")
    app = create_app({"env": "test", "database_url": f"sqlite:///{tmp}/bench.sqlite3", "secret_key": "b" * 40,
                      "encryption_keys": [Fernet.generate_key().decode()], "demo_enabled": False}, clock=clock)
    services = app.extensions["erp_panel"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # one fake per vendor (a fake answers every request to its vendor's URL); two tenants on each
        fakes = {kind: BUILD[kind](clock, mock) for kind in KINDS}
        fakes["sandbox"].connector.orders = CountingBook(fakes["sandbox"].connector.orders)
        erps = seed_orders(services, fakes, clock, args.orders_per_tenant)
        batched: dict[str, int] = {}

        def counted(tenant: Any) -> tuple[Any, str]:
            """The tenant's connector (the benchmark's fake), counting the requests of its reads."""
            erp = erps[tenant.id][1]

            class Counted:
                def read_order_progress(self, keys):
                    reset(erp)
                    try:
                        return erp.connector.read_order_progress(keys)
                    finally:
                        batched[tenant.id] = requests_of(erp)
            return Counted(), "bench"

        # the poller reads each tenant's connector from the registry; here the benchmark's fakes
        services.erp.connector_for = counted  # type: ignore[method-assign]
        started = time.perf_counter()
        outcomes = services.orders.status.tick("bench-worker")
        batched_seconds = time.perf_counter() - started
        naive: dict[str, int] = {}
        for tid, (_kind, erp) in erps.items():
            with services.db.read() as conn:
                keys = [r.idempotency_key for r in conn.execute(sa.select(order_records.c.idempotency_key).where(
                    order_records.c.tenant_id == tid))]
            reset(erp)
            for key in keys:
                erp.connector.read_order_progress([key])
            naive[tid] = requests_of(erp)
    polled = {o.tenant_id: o for o in outcomes}
    errors = {o.tenant_id: o.error for o in outcomes if o.error}
    if errors:
        print("errors:", errors)
    print(f"{len(erps)} tenants, {sum(o.orders for o in outcomes)} open orders, one poll "
          f"({batched_seconds:.2f} s for all tenants, fakes in-process)")
    print(f"{'tenant':<10} {'ERP':<16} {'orders':>6} {'changed':>7} {'batched':>8} {'naive':>6} {'ratio':>7}")
    for n, (tid, (kind, _erp)) in enumerate(erps.items()):
        outcome = polled[tid]
        print(f"bench-{n:<4} {kind:<16} {outcome.orders:>6} {outcome.changed:>7} {batched[tid]:>8} {naive[tid]:>6} "
              f"{naive[tid] / max(batched[tid], 1):>6.0f}x")
    total_b, total_n = sum(batched.values()), sum(naive.values())
    print(f"{'total':<27} {sum(o.orders for o in outcomes):>6} {sum(o.changed for o in outcomes):>7} {total_b:>8} "
          f"{total_n:>6} {total_n / max(total_b, 1):>6.0f}x")
    print(f"ERP requests per tenant per poll: batched {total_b / len(erps):.1f}, naive {total_n / len(erps):.1f}")
    services.close()


if __name__ == "__main__":
    main()
