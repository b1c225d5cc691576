"""Panel read benchmark: cached + coalesced read service vs a naive uncached pass-through.

Against the sandbox ERP with 300 ms latency (real sleeps), both served over loopback HTTP:
  * cold: 200 concurrent loads of one account with an empty cache -> ERP calls and latency;
  * warm: sequential loads with a warm cache -> p50/p99.
The naive baseline answers every request by calling the ERP for the four data kinds one after
another, with no cache and no coalescing. Ratios are printed against it from the same run.

Run: .venv/bin/python bench/panel_cold.py [--latency-ms 300] [--concurrency 200] [--warm 300]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from cryptography.fernet import Fernet
from flask import Flask, jsonify

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app
from app.erp.sandbox import SandboxERP, SandboxFaults
from app.panel.present import shaped
from app.panel.schema import CreditSchema, PriceSchema, StockLineSchema
from bench._http import serve, summary

ACCOUNT, CUSTOMER = "ACC-1001", "CUST-0001"


def naive_app(faults: SandboxFaults, clock) -> Flask:
    """Baseline: every request goes straight to the ERP, kind after kind."""
    erp = SandboxERP(clock=clock, faults=faults)
    app = Flask("naive")

    @app.get("/naive/<account>")
    def naive(account):
        credit = erp.get_credit(CUSTOMER)
        stock = erp.list_stock()
        invoices = erp.list_invoices(CUSTOMER)
        prices = erp.get_prices(CUSTOMER)
        return jsonify(credit=shaped(CreditSchema, credit), stock=[shaped(StockLineSchema, s) for s in stock],
                       invoices=len(invoices), prices=[shaped(PriceSchema, p) for p in prices])
    return app


def fire(url: str, count: int, concurrency: int, headers=None) -> list[float]:
    session_per_thread = {}

    def one(_):
        session = session_per_thread.setdefault(os.getpid(), requests.Session())
        started = time.perf_counter()
        resp = session.get(url, headers=headers, timeout=60)
        resp.raise_for_status()
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--warm", type=int, default=300, help="sequential warm requests")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    tmp = tempfile.mkdtemp(prefix="erp-panel-bench-")
    faults = SandboxFaults(latency_ms=args.latency_ms)
    app = create_app({"env": "test", "database_url": f"sqlite:///{tmp}/bench.sqlite3", "secret_key": "b" * 40,
                      "encryption_keys": [Fernet.generate_key().decode()], "demo_enabled": True,
                      "fanout_workers": 16}, sandbox_faults=faults)
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", "demo-company")
    token, _ = services.widget_tokens.mint(tenant.id, "bench", "demo")
    headers = {"Authorization": f"Bearer {token}"}
    baseline_faults = SandboxFaults(latency_ms=args.latency_ms)

    results = {}
    with serve(app) as base, serve(naive_app(baseline_faults, services.clock)) as naive_base:
        url = f"{base}/api/v1/panel/accounts/{ACCOUNT}"
        faults.calls.clear()
        started = time.perf_counter()
        cold = fire(url, args.concurrency, args.concurrency, headers)
        results["cached"] = {"cold_wall_s": time.perf_counter() - started, "cold": summary(cold),
                             "cold_erp_calls": dict(faults.calls)}
        faults.calls.clear()
        warm = fire(url, args.warm, 1, headers)
        results["cached"].update(warm=summary(warm), warm_erp_calls=faults.total_calls())

        naive_url = f"{naive_base}/naive/{ACCOUNT}"
        started = time.perf_counter()
        cold = fire(naive_url, args.concurrency, args.concurrency)
        results["naive"] = {"cold_wall_s": time.perf_counter() - started, "cold": summary(cold),
                            "cold_erp_calls": dict(baseline_faults.calls)}
        baseline_faults.calls.clear()
        warm = fire(naive_url, max(args.warm // 10, 20), 1)
        results["naive"].update(warm=summary(warm), warm_erp_calls=baseline_faults.total_calls())
    services.close()
    report(results, args)


def report(r: dict, args) -> None:
    c, n = r["cached"], r["naive"]
    c_calls, n_calls = sum(c["cold_erp_calls"].values()), sum(n["cold_erp_calls"].values())
    print(f"erp-panel panel benchmark: sandbox ERP latency {args.latency_ms:.0f} ms, "
          f"{args.concurrency} concurrent cold loads of one account, {args.warm} warm loads")
    print(f"{'':24}{'cached':>14}{'naive':>14}{'naive/cached':>14}")
    rows = [
        ("cold ERP calls", c_calls, n_calls),
        ("cold p50 ms", c["cold"]["p50_ms"], n["cold"]["p50_ms"]),
        ("cold p99 ms", c["cold"]["p99_ms"], n["cold"]["p99_ms"]),
        ("warm p50 ms", c["warm"]["p50_ms"], n["warm"]["p50_ms"]),
        ("warm p99 ms", c["warm"]["p99_ms"], n["warm"]["p99_ms"]),
        ("warm ERP calls / req", c["warm_erp_calls"] / args.warm,
         n["warm_erp_calls"] / max(args.warm // 10, 20)),
    ]
    for label, cached, naive in rows:
        ratio = f"{naive / cached:13.1f}x" if cached else f"{'(cached: 0)':>14}"
        print(f"{label:24}{cached:14.1f}{naive:14.1f}{ratio}")
    print(f"cold ERP calls per data type (cached): {c['cold_erp_calls']}")
    ok = all(v <= 1 for v in c["cold_erp_calls"].values())
    print("coalescing: " + ("OK, at most one ERP call per data type" if ok else "FAILED, duplicate ERP calls"))


if __name__ == "__main__":
    main()
