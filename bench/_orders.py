"""Helpers of the won-deal benchmark: a database per run, won demo deals, an open-loop webhook sender
and a watcher noting when each deal shows its ERP order number."""
from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
import sqlalchemy as sa

from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.tables import demo_deals
from app.crm.demo.webhook import build_won_webhook
from bench._postgres import postgres_schema
from tests.fakes.demo import demo


@contextmanager
def database(tmp: str, name: str, postgres: str):
    """A fresh SQLite file, or a private schema in the PostgreSQL database ``postgres`` (dropped after)."""
    if not postgres:
        yield f"sqlite:///{tmp}/{name}.sqlite3"
        return
    with postgres_schema(postgres, f"bench_{name}") as url:
        yield url


def add_won_deals(services, count: int) -> list[str]:
    """``count`` won demo deals B-00000... on a linked account with a known item."""
    ids = [f"B-{i:05d}" for i in range(count)]
    now = services.clock.now()
    with services.db.write() as conn:
        conn.execute(demo_deals.insert(), [dict(
            id=deal_id, company=DEMO_COMPANY, account_id="ACC-1001", title=f"Bench {deal_id}", status="won",
            currency="EUR", lines=[{"sku": "SKU-1001", "name": "Widget", "quantity": "2", "unit_price": "10"}],
            write_back_count=0, updated_at=now) for deal_id in ids])
    return ids


def plan(deals: list[str], total: int, dup_share: float, rng: random.Random) -> list[tuple[str, str]]:
    """(deal id, event id) deliveries; ``dup_share`` of them repeat an earlier delivery exactly."""
    events: list[tuple[str, str]] = []
    fresh = iter(deals)
    for i in range(total):
        if events and rng.random() < dup_share:
            events.append(rng.choice(events))
        else:
            events.append((next(fresh), f"evt-{i}"))
    return events


def send(base: str, services, events, rate: float) -> tuple[list[float], dict[str, float], int]:
    """Open loop: delivery i starts at t0 + i/rate. Returns (ack latencies, first send per deal, errors)."""
    payloads = [build_won_webhook(demo(services).store, DEMO_COMPANY, deal, event_id=evt) for deal, evt in events]
    local = threading.local()
    first_sent: dict[str, float] = {}
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i):
        nonlocal errors
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body, headers = payloads[i]
        started = time.time()
        with lock:
            first_sent.setdefault(events[i][0], started)
        try:
            ok = session.post(base + "/webhooks/demo", data=body, headers=headers, timeout=60).status_code < 300
        except requests.RequestException:
            ok = False
        with lock:
            latencies.append(time.time() - started)
            errors += 0 if ok else 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(128) as pool:
        for i in range(len(events)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    return latencies, first_sent, errors


def stages(services) -> dict[str, list[float]]:
    """Per deal, from the audit trail: seconds from intake to its job starting (queue wait), and the job's
    own time from that start to its outcome being recorded."""
    from app.orders.tables import order_audit
    with services.db.read() as conn:
        rows = conn.execute(sa.select(order_audit.c.crm_deal_id, order_audit.c.step, order_audit.c.at)
                            .where(order_audit.c.step.in_(("intake", "crm_read", "order")))).all()
    first: dict[tuple[str, str], float] = {}
    for deal, step, at in rows:
        first.setdefault((deal, step), at.timestamp())
    deals = {deal for deal, _ in first}
    wait = [first[(d, "crm_read")] - first[(d, "intake")] for d in deals if (d, "crm_read") in first]
    job = [first[(d, "order")] - first[(d, "crm_read")] for d in deals if (d, "order") in first
           and (d, "crm_read") in first]
    return {"queue_wait": wait, "job": job}


class NumberWatcher:
    """Polls the demo CRM every 20 ms and notes when each deal first shows an ERP order number."""

    def __init__(self, services, interval: float = 0.02):
        self.services = services
        self.interval = interval
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            with self.services.db.read() as conn:
                rows = conn.execute(sa.select(demo_deals.c.id).where(
                    demo_deals.c.erp_order_number.is_not(None))).all()
            now = time.time()
            for row in rows:
                self.seen.setdefault(row.id, now)
            self.stop.wait(self.interval)

    def wait_all(self, first_sent: dict[str, float], timeout: float) -> tuple[list[float], int]:
        """Seconds from each deal's first delivery to its number appearing; and how many never did."""
        deadline = time.time() + timeout
        while time.time() < deadline and not all(d in self.seen for d in first_sent):
            time.sleep(0.1)
        self.stop.set()
        self.thread.join(5)
        done = [d for d in first_sent if d in self.seen]
        return [max(0.0, self.seen[d] - first_sent[d]) for d in done], len(first_sent) - len(done)
