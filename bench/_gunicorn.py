"""Start gunicorn for a benchmark: the Procfile's web settings, on a free loopback port, stopped afterwards."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: the Procfile's web process settings, with the worker count the benchmarks ask for
SETTINGS = ["--threads", "4", "--timeout", "30"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: list[str], *, cwd: str, env: dict[str, str], ready_url: str, what: str,
            log_path: str | None = None):
    """Run ``command`` until the block ends (SIGTERM, then kill); enter once ``ready_url`` answers below 500."""
    log = open(log_path or os.devnull, "ab")
    # this interpreter (or git) with fixed arguments, no shell
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}; see {log_path}")
            try:
                if requests.get(ready_url, timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer on {ready_url}")
            time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def gunicorn(app: str, env: dict[str, str], *, workers: int = 2, ready_path: str = "/healthz",
             log_path: str | None = None):
    """Run ``gunicorn <app>`` with ``workers`` workers; yields the port once ``ready_path`` answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), *SETTINGS,
               "--bind", f"127.0.0.1:{port}", "--config", "python:bench.gunicorn_conf", app]
    with serving(command, cwd=ROOT, env={**os.environ, **env}, ready_url=f"http://127.0.0.1:{port}{ready_path}",
                 what=f"gunicorn {app}", log_path=log_path):
        yield port


def transaction_counts(directory: str) -> dict[str, int]:
    """Database transactions counted by bench/gunicorn_conf.py, summed over the workers of one server."""
    total = {"request": 0, "background": 0, "workers": 0}
    for name in os.listdir(directory):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="ascii") as fh:
                counts = json.load(fh)
            total["request"] += counts["request"]
            total["background"] += counts["background"]
            total["workers"] += 1
    return total
