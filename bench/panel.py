"""Warm panel reads under gunicorn against the floor: a trivial Flask endpoint returning the same bytes.

One run starts, on this machine, gunicorn with the Procfile's web settings and 2 workers for:
  * erp-panel on PostgreSQL (a private schema) and Redis (a private namespace), sandbox ERP with
    ``--latency-ms`` per call, default TTLs ("warm");
  * the same with every TTL at ``--ttl`` seconds ("expiring"), so keys expire under load;
  * bench/floor_app.py returning one warm panel answer's bytes ("floor").
and measures, with bench/loadgen.py on keep-alive connections:
  1. throughput, ``--connections`` connections back to back for ``--seconds`` (floor and warm
     alternately, ``--rounds`` times): goal warm >= 50 % of the floor;
  2. latency at ``--rate`` requests/s (open loop): goal warm p99 <= 20 ms;
  3. database transactions per warm read, counted in every worker by SQLAlchemy engine events
     (bench/gunicorn_conf.py), request threads apart from background refreshes: goal 0;
  4. latency at ``--rate`` on "expiring": goal p99 flat, i.e. close to the warm p99.
Then the widget itself in headless Chromium (bench/_widget.py), this code against ``--baseline`` (the
widget before the sidebar rebuild): first paint to data, cold and warm, and bytes per panel load.

Run: .venv/bin/python bench/panel.py [--postgres URL] [--redis URL] [--seconds 8] [--connections 16]
     [--rate 100] [--latency-ms 300] [--ttl 3] [--rounds 3] [--baseline REF] [--widget-runs 3]
     [--widget-latency-ms 100] [--widget-only]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.auth.widget_token import WidgetTokens
from app.clock import Clock
from app.storage.db import normalise_url
from bench import _widget, loadgen
from bench._gunicorn import SETTINGS, gunicorn, transaction_counts
from bench._http import percentile
from bench._postgres import postgres_schema

ACCOUNT = "ACC-1001"
PATH = f"/api/v1/panel/accounts/{ACCOUNT}"
TTL_VARIABLES = ("CACHE_TTL_STOCK", "CACHE_TTL_CREDIT", "CACHE_TTL_INVOICES", "CACHE_TTL_PRICING")


def app_env(args, database_url: str, namespace: str, count_dir: str, ttl: int | None = None) -> dict[str, str]:
    env = {"ERP_PANEL_ENV": "development", "DATABASE_URL": database_url, "REDIS_URL": args.redis,
           "REDIS_NAMESPACE": namespace, "SECRET_KEY": args.secret, "ENCRYPTION_KEYS": args.fernet,
           "SANDBOX_LATENCY_MS": str(args.latency_ms), "DEMO_ENABLED": "1", "BENCH_COUNT_DIR": count_dir}
    if ttl is not None:
        env.update(dict.fromkeys(TTL_VARIABLES, str(ttl)))
    return env


def widget_request(args, database_url: str) -> bytes:
    """The panel request with a fresh widget token for the demo tenant (tokens live 5 minutes)."""
    engine = sa.create_engine(normalise_url(database_url))
    with engine.connect() as conn:
        tenant_id = conn.exec_driver_sql("SELECT id FROM tenants WHERE crm = 'demo'").scalar_one()
    engine.dispose()
    token, _ = WidgetTokens([args.secret], Clock()).mint(tenant_id, "bench", "demo")
    return loadgen.request_bytes(PATH, {"Authorization": f"Bearer {token}"})


def stats(result: loadgen.Result) -> dict[str, float]:
    return {"rate": result.rate, "count": result.count, "p50_ms": percentile(result.latencies, 50) * 1000,
            "p99_ms": percentile(result.latencies, 99) * 1000, "errors": result.count - result.statuses.get(200, 0)}


def revalidations(result: loadgen.Result, ttl: int) -> tuple[int, int, list[float]]:
    """(answers with a section past its TTL, refreshes seen, latencies of answers within 1 s of one)."""
    past_ttl, as_of, windows = 0, {}, []
    for started, body in zip(result.started, result.bodies, strict=True):
        sections = json.loads(body)["sections"]
        if any((s["age_seconds"] or 0) >= ttl for s in sections.values()):
            past_ttl += 1
            windows.append(started)
        for kind, section in sections.items():
            as_of.setdefault(kind, set()).add(section["as_of"])
    near = [lat for started, lat in zip(result.started, result.latencies, strict=True)
            if any(0 <= started - w <= 1.0 for w in windows)]
    return past_ttl, sum(len(v) - 1 for v in as_of.values()), near


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL_TEST",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--ttl", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=_widget.BASELINE_REF, help="git ref of the widget to compare with")
    parser.add_argument("--widget-runs", type=int, default=3)
    parser.add_argument("--widget-latency-ms", type=float, default=100)
    parser.add_argument("--widget-only", action="store_true", help="only the widget in the browser (no gunicorn, "
                                                                    "PostgreSQL or Redis)")
    args = parser.parse_args()
    if args.widget_only:
        widget(args)
        return
    args.secret, args.fernet = "bench-" + uuid.uuid4().hex * 2, Fernet.generate_key().decode()
    args.load = os.getloadavg()[0]
    tmp = tempfile.mkdtemp(prefix="erp-panel-bench-")
    dirs = {name: os.path.join(tmp, name) for name in ("warm", "expiring", "floor")}
    for directory in dirs.values():
        os.makedirs(directory)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    with postgres_schema(args.postgres, "bench_panel") as db_url:
        warm_env = app_env(args, db_url, f"{run}-warm:", dirs["warm"])
        expiring_env = app_env(args, db_url, f"{run}-expiring:", dirs["expiring"], ttl=args.ttl)
        with gunicorn("app.wsgi:app", warm_env, log_path=f"{tmp}/warm.log") as warm, \
                gunicorn("app.wsgi:app", expiring_env, log_path=f"{tmp}/expiring.log") as expiring:
            request = widget_request(args, db_url)
            for port in (warm, expiring):          # every worker loads the tenant and the panel once
                loadgen.closed_loop(port, request, connections=args.connections, seconds=2)
            body = loadgen.closed_loop(warm, request, connections=1, seconds=0.2, keep_bodies=True).bodies[-1]
            with open(f"{tmp}/floor-body.json", "wb") as fh:
                fh.write(body)
            floor_env = {"BENCH_FLOOR_BODY": f"{tmp}/floor-body.json", "BENCH_COUNT_DIR": dirs["floor"]}
            with gunicorn("bench.floor_app:app", floor_env, ready_path=PATH, log_path=f"{tmp}/floor.log") as floor:
                results = measure(args, request, warm, expiring, floor, dirs)
    report(args, results, body)
    widget(args)


def widget(args) -> None:
    """5. the widget in the browser: this code against the baseline, in one run."""
    results = _widget.run(baseline_ref=args.baseline, latency_ms=args.widget_latency_ms, runs=args.widget_runs)
    print("5. ", end="")
    _widget.report(results, args.baseline, args.widget_latency_ms)


def measure(args, request: bytes, warm: int, expiring: int, floor: int, dirs: dict[str, str]) -> dict:
    loadgen.closed_loop(floor, request, connections=args.connections, seconds=1)
    time.sleep(0.3)
    before = transaction_counts(dirs["warm"])
    throughput: dict[str, list[loadgen.Result]] = {"floor": [], "warm": []}
    for _ in range(args.rounds):
        for name, port in (("floor", floor), ("warm", warm)):
            throughput[name].append(loadgen.closed_loop(port, request, connections=args.connections,
                                                        seconds=args.seconds))
    latency = {name: loadgen.open_loop(port, request, rate=args.rate, seconds=args.seconds)
               for name, port in (("floor", floor), ("warm", warm))}
    time.sleep(0.3)
    after = transaction_counts(dirs["warm"])
    # warm again first: idle through the phases above, its entries are older than twice the TTL (a cold read)
    loadgen.open_loop(expiring, request, rate=args.rate, seconds=3 * args.ttl)
    seconds = max(args.seconds, 5 * args.ttl)
    expiry = loadgen.open_loop(expiring, request, rate=args.rate, seconds=seconds, keep_bodies=True)
    reads = sum(r.count for r in throughput["warm"]) + latency["warm"].count
    return {"throughput": throughput, "latency": latency, "expiry": expiry, "reads": reads,
            "transactions": {k: after[k] - before[k] for k in ("request", "background")},
            "workers": after["workers"]}


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def report(args, r: dict, body: bytes) -> None:
    floor_rates = [x.rate for x in r["throughput"]["floor"]]
    warm_rates = [x.rate for x in r["throughput"]["warm"]]
    floor_rate, warm_rate = sum(floor_rates) / len(floor_rates), sum(warm_rates) / len(warm_rates)
    # each round measures the floor and then erp-panel back to back: their ratio is the least disturbed by
    # whatever else the machine runs meanwhile
    ratios = sorted(w / f for w, f in zip(warm_rates, floor_rates, strict=True))
    lat = {name: stats(result) for name, result in r["latency"].items()}
    exp = stats(r["expiry"])
    past_ttl, refreshes, near = revalidations(r["expiry"], args.ttl)
    near_p99 = percentile(near, 99) * 1000 if near else float("nan")
    errors = sum(stats(x)["errors"] for runs in r["throughput"].values() for x in runs) + exp["errors"] + sum(
        s["errors"] for s in lat.values())
    print(f"erp-panel warm panel reads: gunicorn --workers 2 {' '.join(SETTINGS)}, PostgreSQL + Redis, "
          f"sandbox ERP {args.latency_ms:.0f} ms/call, {len(body)} bytes per answer")
    print(f"machine: {machine()}, load average at the start {args.load:.2f}")
    print(f"1. throughput, {args.connections} connections x {args.seconds:.0f} s, {args.rounds} rounds:")
    print(f"   floor {floor_rate:8.0f} req/s   ({', '.join(f'{x:.0f}' for x in floor_rates)})")
    print(f"   warm  {warm_rate:8.0f} req/s   ({', '.join(f'{x:.0f}' for x in warm_rates)})")
    print(f"   warm / floor = {warm_rate / floor_rate:.2f} overall, per round {', '.join(f'{x:.2f}' for x in ratios)}, "
          f"median {ratios[len(ratios) // 2]:.2f}   (goal >= 0.50)")
    print(f"2. latency at {args.rate:.0f} req/s for {args.seconds:.0f} s (open loop):")
    for name in ("floor", "warm"):
        print(f"   {name:5} p50 {lat[name]['p50_ms']:6.2f} ms   p99 {lat[name]['p99_ms']:6.2f} ms")
    print(f"   warm p99 {lat['warm']['p99_ms']:.2f} ms (goal <= 20 ms); warm / floor p50 "
          f"{lat['warm']['p50_ms'] / lat['floor']['p50_ms']:.2f}, p99 {lat['warm']['p99_ms'] / lat['floor']['p99_ms']:.2f}")
    tx = r["transactions"]
    print(f"3. database transactions during {r['reads']} warm reads ({r['workers']} workers): "
          f"{tx['request']} on request threads = {tx['request'] / r['reads']:.4f} per read (goal 0); "
          f"{tx['background']} in background refreshes")
    print(f"4. every TTL {args.ttl} s, {args.rate:.0f} req/s for {r['expiry'].seconds:.0f} s: p50 {exp['p50_ms']:.2f} ms, "
          f"p99 {exp['p99_ms']:.2f} ms = {exp['p99_ms'] / lat['warm']['p99_ms']:.2f}x the warm p99 (goal: flat); "
          f"{refreshes} refreshes seen, {past_ttl} answers served while refreshing, p99 within 1 s after one "
          f"{near_p99:.2f} ms")
    print(f"errors (non-200 answers): {errors}")


if __name__ == "__main__":
    main()
