"""gunicorn settings for the benchmarks: the project's gunicorn.conf.py, plus database transaction counts.

Each worker counts SQLAlchemy ``begin`` events (every transaction, on every engine) by the
kind of thread that ran them - request threads (and the fan-out threads they wait on) versus
background threads (stale-while-revalidate refreshes, tenant reloads) - and writes the counts
to ``$BENCH_COUNT_DIR/<pid>.json`` ten times a second.
"""
from __future__ import annotations

import json
import os
import runpy
import threading
import time

#: threads whose work is not a request's: background refreshes and reloads, change notices, metrics flushes
BACKGROUND_THREADS = ("erp-panel-refresh", "erp-panel-invalidations", "ops-signals-flush")

# the same settings and hooks the Procfile's web process gets
globals().update({name: value for name, value in runpy.run_path(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gunicorn.conf.py")).items()
    if not name.startswith("__")})


def post_fork(server, worker) -> None:  # gunicorn hook, runs in the worker
    directory = os.environ.get("BENCH_COUNT_DIR")
    if not directory:
        return
    import sqlalchemy as sa

    counts = {"request": 0, "background": 0}
    lock = threading.Lock()

    def on_begin(_conn) -> None:
        kind = "background" if threading.current_thread().name.startswith(BACKGROUND_THREADS) else "request"
        with lock:
            counts[kind] += 1

    sa.event.listen(sa.engine.Engine, "begin", on_begin)
    path = os.path.join(directory, f"{os.getpid()}.json")

    def dump() -> None:
        while True:
            with lock:
                data = json.dumps(counts)
            with open(path + ".tmp", "w", encoding="ascii") as fh:
                fh.write(data)
            os.replace(path + ".tmp", path)
            time.sleep(0.1)

    threading.Thread(target=dump, name="bench-counts", daemon=True).start()
