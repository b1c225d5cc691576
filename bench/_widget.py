"""The widget in Chromium: first paint to data, cold and warm, and bytes per panel load, this code against a baseline.

Each side runs ``erp-panel demo`` (SQLite, sandbox ERP with ``latency_ms`` per call) from its own tree: this
checkout, and a detached ``git worktree`` of ``baseline_ref``. A run opens the widget the way the demo CRM frames
it, in a fresh browser context ("cold": empty HTTP cache, an account the server has not read yet), then opens it
again in that context ("warm": the browser's cache and the server's panel cache filled). "First paint to data" is
from the page's first paint to the credit section's figures appearing (a MutationObserver on
``#panel-credit .content``, which both widgets fill); bytes are the transfer sizes of the page and everything it
fetched until then (Resource Timing: headers and bodies as they crossed the wire, 0 for a cached file).
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from bench._gunicorn import ROOT, free_port, serving

#: the widget before the sidebar rebuild (fingerprinted assets, one-round-trip session, glance line)
BASELINE_REF = "7c2cb92"
#: linked demo accounts: each cold run reads one the server has not read yet
ACCOUNTS = ("ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1005", "ACC-1007")

_PROBE = """
window.__bench = {};
new PerformanceObserver((list) => { for (const e of list.getEntries()) { window.__bench[e.name] = e.startTime; } })
  .observe({type: "paint", buffered: true});
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("#panel-credit .content");
  if (!target) { return; }
  new MutationObserver(() => {
    if (!window.__bench.data && target.childElementCount) {
      window.__bench.data = performance.now();
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource");
      window.__bench.bytes = (nav ? nav.transferSize : 0) + res.reduce((n, e) => n + e.transferSize, 0);
      window.__bench.requests = 1 + res.length;
    }
  }).observe(target, {childList: true});
});
"""


@dataclass(frozen=True)
class Load:
    paint_to_data_ms: float
    start_to_data_ms: float       # from the navigation's start (the first paint's own time included)
    bytes: int
    requests: int


@contextmanager
def baseline_tree(ref: str):
    """A detached worktree of ``ref`` in a temporary directory, removed afterwards."""
    path = tempfile.mkdtemp(prefix="erp-panel-baseline-")
    os.rmdir(path)
    git = shutil.which("git") or "git"
    # git with fixed arguments and the ref the person running the bench gave, no shell
    subprocess.run([git, "-C", ROOT, "worktree", "add", "--detach", path, ref], check=True,  # noqa: S603
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run([git, "-C", ROOT, "worktree", "remove", "--force", path], check=False,  # noqa: S603
                       capture_output=True)


@contextmanager
def demo_server(tree: str, latency_ms: float, log_dir: str):
    """``erp-panel demo`` from ``tree`` on a free port with its own SQLite file; yields its base URL."""
    port = free_port()
    name = f"{os.path.basename(tree.rstrip('/'))}-{port}"
    env = {**os.environ, "PYTHONPATH": tree, "SANDBOX_LATENCY_MS": str(latency_ms),
           "DATABASE_URL": f"sqlite:///{log_dir}/{name}.sqlite3"}
    env.pop("ERP_PANEL_WIDGETS_DIR", None)           # each side serves its own tree's widget
    base = f"http://127.0.0.1:{port}"
    with serving([sys.executable, "-m", "app.cli", "demo", "--port", str(port), "--no-worker"], cwd=tree, env=env,
                 ready_url=f"{base}/healthz", what=f"the demo in {tree}", log_path=f"{log_dir}/{name}.log"):
        yield base


def widget_url(base: str, account: str) -> str:
    """The widget address the demo CRM frames for ``account`` (a fresh signed context), without loading it."""
    html = requests.get(f"{base}/demo/accounts/{account}", timeout=10).text
    src = re.search(r'id="erp-panel"[^>]*src="([^"]+)"|src="([^"]+)"[^>]*id="erp-panel"', html)
    if src is None:
        raise RuntimeError("the demo page has no widget iframe")
    return base + (src.group(1) or src.group(2)).replace("&amp;", "&")


def _load(page, url: str) -> Load:
    page.goto(url)
    page.wait_for_function("window.__bench && window.__bench.data", timeout=30000)
    b = page.evaluate("window.__bench")
    paint = b.get("first-paint", b.get("first-contentful-paint", 0.0))
    return Load(b["data"] - paint, b["data"], int(b["bytes"]), int(b["requests"]))


def measure(browser, base: str, account: str) -> tuple[Load, Load]:
    """One cold and one warm load of the widget served at ``base``, for ``account``."""
    context = browser.new_context(viewport={"width": 350, "height": 900}, bypass_csp=True)   # the probe polls with eval
    context.add_init_script(_PROBE)
    page = context.new_page()
    url = widget_url(base, account)
    cold = _load(page, url)
    warm = _load(page, url)
    context.close()
    return cold, warm


def run(*, baseline_ref: str = BASELINE_REF, latency_ms: float = 100, runs: int = 3) -> dict[str, dict[str, list[Load]]]:
    """Both sides measured in one run, both servers up at once and the runs interleaved (baseline first in even
    runs, current first in odd ones) so a change in the machine's load hits both alike:
    {"baseline": {"cold": [...], "warm": [...]}, "current": ...}."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, _chromium_path
    logs = tempfile.mkdtemp(prefix="erp-panel-bench-widget-")
    results: dict[str, dict[str, list[Load]]] = {side: {"cold": [], "warm": []} for side in ("baseline", "current")}
    with baseline_tree(baseline_ref) as old, sync_playwright() as pw, \
            demo_server(old, latency_ms, logs) as old_base, demo_server(ROOT, latency_ms, logs) as new_base:
        browser = pw.chromium.launch(executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            for n in range(runs):
                sides = [("baseline", old_base), ("current", new_base)]
                for side, base in (sides if n % 2 == 0 else sides[::-1]):
                    cold, warm = measure(browser, base, ACCOUNTS[n % len(ACCOUNTS)])
                    results[side]["cold"].append(cold)
                    results[side]["warm"].append(warm)
        finally:
            browser.close()
    shutil.rmtree(logs, ignore_errors=True)
    return results


def report(results: dict[str, dict[str, list[Load]]], baseline_ref: str, latency_ms: float) -> None:
    """Medians per side and the ratios current / baseline."""
    print(f"widget in headless Chromium (350 px), sandbox ERP {latency_ms:.0f} ms/call, baseline {baseline_ref}, "
          f"{len(results['current']['cold'])} runs each, medians:")
    for state in ("cold", "warm"):
        med = {side: [statistics.median(getattr(x, f) for x in r[state])
                      for f in ("paint_to_data_ms", "start_to_data_ms", "bytes", "requests")]
               for side, r in results.items()}
        (b_ms, b_all, b_bytes, b_req), (c_ms, c_all, c_bytes, c_req) = med["baseline"], med["current"]
        print(f"   {state}: first paint to data {c_ms:6.1f} ms vs {b_ms:6.1f} ms ({c_ms / b_ms:.2f}x); "
              f"navigation to data {c_all:6.1f} vs {b_all:6.1f} ms ({c_all / b_all:.2f}x); "
              f"bytes per load {c_bytes:6.0f} vs {b_bytes:6.0f} ({c_bytes / b_bytes:.2f}x); "
              f"requests {c_req:.0f} vs {b_req:.0f}  (current vs baseline)")
