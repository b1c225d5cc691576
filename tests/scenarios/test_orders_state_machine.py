"""Model-based test: duplicates, reorderings, ERP/CRM failures, worker crashes and clock jumps in any order
never give a deal two ERP orders, and at quiescence every won deal has exactly one order written back."""
from __future__ import annotations

import shutil
import tempfile
import uuid

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app import create_app
from app.clock import FrozenClock
from app.crm.demo.seed import DEMO_COMPANY
from app.domain.events import DealWon
from app.erp.sandbox.faults import SandboxFaults
from app.orders.worker import Worker
from app.storage.db import normalise_url
from tests.conftest import PG_URL, require_service
from tests.fakes.demo import demo
from tests.fakes.orders import deal_row, drain, erp_orders, install_flaky_crm, use_naive_erp

DEALS = ("D-2001", "D-2002", "D-2004")
WORKERS = ("w1", "w2", "w3")


class SimulatedCrash(BaseException):
    """A worker killed mid-job (nothing after this point runs or commits)."""


class OrderPipeline(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = tempfile.mkdtemp()
        self.clock = FrozenClock()
        self.faults = SandboxFaults(sleep=lambda _s: None)
        self.app = create_app({"env": "test", "database_url": self.database_url(),
                               "secret_key": "machine-" + "s" * 40, "demo_enabled": True, "redis_url": "",
                               "encryption_keys": [Fernet.generate_key().decode()]},
                              clock=self.clock, sandbox_faults=self.faults)
        self.services = self.app.extensions["erp_panel"]
        self.tenant = self.services.tenants.find("demo", DEMO_COMPANY)
        self.crm = install_flaky_crm(self.services, 0)
        use_naive_erp(self.services)   # the flow alone must prevent duplicates
        self.won: set[str] = set()

    def database_url(self) -> str:
        return f"sqlite:///{self.tmp}/m.sqlite3"

    def teardown(self):
        self.services.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(deal=st.sampled_from(DEALS), event=st.integers(0, 2))
    def deliver(self, deal, event):
        """A (possibly duplicate, possibly late) won event for a deal."""
        if deal not in self.won:
            demo(self.services).store.set_status(DEMO_COMPANY, deal, "won")
            self.won.add(deal)
        self.services.orders.intake.accept(DealWon(self.tenant.id, deal, f"{deal}-evt-{event}", self.clock.now(), "demo"))

    @rule(worker=st.sampled_from(WORKERS))
    def run_job(self, worker):
        Worker(self.services, worker).run_once()

    @precondition(lambda self: self.services.orders.queue.pending_count() > 0)
    @rule(worker=st.sampled_from(WORKERS))
    def crash_after_erp_create(self, worker):
        def die(_number):
            raise SimulatedCrash()
        self.faults.after_create = die
        try:
            Worker(self.services, worker).run_once()
        except SimulatedCrash:
            pass
        finally:
            self.faults.after_create = None

    @rule(down=st.booleans())
    def erp_outage(self, down):
        self.faults.down = down

    @rule(count=st.integers(1, 3), kind=st.sampled_from(["unavailable", "timeout", "rate_limited"]))
    def erp_errors(self, count, kind):
        self.faults.fail_next(count, kind)

    @rule(count=st.integers(1, 3))
    def crm_write_back_errors(self, count):
        self.crm.failures += count

    @rule(seconds=st.sampled_from([1, 30, 121, 400, 3 * 86400]))
    def clock_jump(self, seconds):
        self.clock.advance(seconds)

    @invariant()
    def never_two_orders_for_a_deal(self):
        for deal in DEALS:
            assert len(erp_orders(self.services, self.tenant, deal)) <= 1

    def check_quiescence(self):
        """Heal every fault, replay dead letters, run to idle: each won deal has one order, written back once."""
        self.faults.reset()
        self.crm.failures = 0
        self.services.orders.queue.replay_all(self.tenant.id)
        drain(self.services, self.clock, rounds=80)
        for deal in DEALS:
            orders = erp_orders(self.services, self.tenant, deal)
            numbered = [wb.order_number for d, wb in self.crm.written if d == deal and wb.order_number]
            if deal in self.won:
                assert len(orders) == 1
                assert numbered == [orders[0].order_number]
                assert deal_row(self.services, deal)["erp_order_number"] == orders[0].order_number
            else:
                assert orders == [] and numbered == []


class OrderPipelineWithFinalCheck(OrderPipeline):
    def teardown(self):
        try:
            self.check_quiescence()
        finally:
            super().teardown()


OrderPipelineWithFinalCheck.TestCase.settings = settings(
    max_examples=40, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestOrderPipeline = OrderPipelineWithFinalCheck.TestCase


class PostgresOrderPipeline(OrderPipelineWithFinalCheck):
    """The same model on PostgreSQL (SKIP LOCKED claims, ON CONFLICT dedupe), one schema per example."""

    def database_url(self) -> str:
        self.schema = "sm_" + uuid.uuid4().hex[:12]
        self.admin = sa.create_engine(normalise_url(PG_URL))
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{self.schema}"

    def teardown(self):
        try:
            super().teardown()
        finally:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
            self.admin.dispose()


PostgresOrderPipeline.TestCase.settings = settings(
    max_examples=10, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.postgres
class TestOrderPipelinePostgres(PostgresOrderPipeline.TestCase):
    def setUp(self):
        require_service("PostgreSQL", "127.0.0.1", 5432)
        super().setUp()
