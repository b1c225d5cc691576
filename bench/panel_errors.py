"""Panels with a blank section under ERP errors: quick read retries vs none (the behaviour before them).

Against the sandbox ERP with real latency (default 300 ms) and a random error rate (default 10 %),
each panel load is cold (the tenant's cache is dropped first, so no stale copy can hide an error),
served over loopback HTTP. A section is "blank" when it shows no data because of an ERP error
(state retrying or unavailable). Both modes run in the same process, one after the other.

Run: .venv/bin/python bench/panel_errors.py [--latency-ms 300] [--fail-rate 0.1] [--loads 60]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time

import requests
from cryptography.fernet import Fernet

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app
from app.erp.sandbox import SandboxFaults
from bench._http import serve, summary

ACCOUNTS = ["ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1005"]
BLANK = {"retrying", "unavailable"}


def run(base: str, services, tenant, headers: dict, loads: int) -> dict:
    """``loads`` cold panel loads; share of panels with a blank section, sections blank, latency."""
    session = requests.Session()
    blank_panels = blank_sections = 0
    latencies = []
    for n in range(loads):
        services.panel.forget_tenant(tenant.id)
        started = time.perf_counter()
        resp = session.get(f"{base}/api/v1/panel/accounts/{ACCOUNTS[n % len(ACCOUNTS)]}", headers=headers,
                           timeout=60)
        latencies.append(time.perf_counter() - started)
        resp.raise_for_status()
        states = [s["state"] for s in resp.json()["sections"].values()]
        blank = sum(state in BLANK for state in states)
        blank_sections += blank
        blank_panels += blank > 0
    return {"share": blank_panels / loads, "sections": blank_sections, "latency": summary(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--fail-rate", type=float, default=0.10)
    parser.add_argument("--loads", type=int, default=60)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("erp_panel").setLevel(logging.ERROR)

    tmp = tempfile.mkdtemp(prefix="erp-panel-bench-")
    faults = SandboxFaults(latency_ms=args.latency_ms, fail_rate=args.fail_rate)
    app = create_app({"env": "test", "database_url": f"sqlite:///{tmp}/bench.sqlite3", "secret_key": "b" * 40,
                      "encryption_keys": [Fernet.generate_key().decode()], "demo_enabled": True}, sandbox_faults=faults)
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", "demo-company")
    headers = {"Authorization": "Bearer " + services.widget_tokens.mint(tenant.id, "bench", "demo")[0]}
    results = {}
    with serve(app) as base:
        retries = services.panel.read_retries
        services.panel.read_retries = 0
        results["no retries"] = run(base, services, tenant, headers, args.loads)
        services.panel.read_retries = retries
        results["read retries"] = run(base, services, tenant, headers, args.loads)
    services.close()

    print(f"erp-panel read-retry benchmark: sandbox ERP latency {args.latency_ms:.0f} ms, "
          f"{args.fail_rate:.0%} errors, {args.loads} cold panel loads per mode")
    print(f"{'':28}{'blank panels':>14}{'blank sections':>16}{'p50 ms':>10}{'p99 ms':>10}")
    for mode, r in results.items():
        print(f"{mode:28}{r['share']:14.1%}{r['sections']:16d}{r['latency']['p50_ms']:10.0f}"
              f"{r['latency']['p99_ms']:10.0f}")
    before, after = results["no retries"]["share"], results["read retries"]["share"]
    ratio = f"{before / after:.1f}x fewer" if after else "none left"
    print(f"panels with a blank section: {before:.1%} -> {after:.1%} ({ratio})")


if __name__ == "__main__":
    main()
