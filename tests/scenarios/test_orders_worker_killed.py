"""A real worker process is killed (os._exit) right after the ERP stored the order, before the local
commit; the next worker still ends with exactly one order and writes back the original number."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.orders import deal_row, drain, erp_orders, won_event

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DOOMED_WORKER = """
import json, os, sys
from app.config import load_settings
from app.erp.sandbox.faults import SandboxFaults
from app.orders.worker import Worker
from app.services import build_services

faults = SandboxFaults(sleep=lambda _s: None)
services = build_services(load_settings(**json.loads(sys.argv[1])), sandbox_faults=faults)

def killed(order_number):
    print(order_number, flush=True)
    os._exit(9)          # like SIGKILL: no cleanup, no commit

faults.after_create = killed
Worker(services, "doomed-process").run_once()
print("not killed", flush=True)
"""


def test_killed_worker_process_after_erp_create(any_db_config, any_db_services, clock):
    services = any_db_services
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    started = datetime.now(UTC)
    proc = subprocess.run([sys.executable, "-c", DOOMED_WORKER, json.dumps(any_db_config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr[-2000:]
    number = proc.stdout.strip()
    assert number.startswith("SO-")
    [job] = services.orders.queue.list()
    assert job.status == "running" and job.lease_owner == "doomed-process"
    clock.set(started + timedelta(seconds=services.settings.worker_lease_seconds + 60))
    drain(services, clock, worker_id="replacement")
    assert [o.order_number for o in erp_orders(services, tenant, "D-2001")] == [number]
    row = deal_row(services, "D-2001")
    assert row["erp_order_number"] == number and row["write_back_count"] == 1
