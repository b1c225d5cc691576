"""Small helpers shared by the benchmarks: a loopback server thread and latency statistics."""
from __future__ import annotations

import statistics
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serve(app):
    """Serve a WSGI app on a free 127.0.0.1 port in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.request_queue_size = 512
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of samples (seconds)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(samples, 50) * 1000, "p99_ms": percentile(samples, 99) * 1000,
            "mean_ms": statistics.fmean(samples) * 1000 if samples else float("nan")}
