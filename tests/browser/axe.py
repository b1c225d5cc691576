"""axe-core in the page under test: the pinned npm package (tools/axe/package-lock.json), installed into
tools/axe/node_modules on first use like the OpenAPI lint's CLI. Without npm the checks skip with the reason,
unless ERP_PANEL_REQUIRE_NODE=1 makes them required.

The script is evaluated through the DevTools protocol (Playwright's ``evaluate``), which the admin pages'
``script-src 'none'`` does not apply to, so the page is checked exactly as served.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "axe"
SCRIPT = TOOL / "node_modules" / "axe-core" / "axe.min.js"
#: impacts that fail a test (axe's scale: minor, moderate, serious, critical)
FAILING = ("serious", "critical")


def axe_source() -> str:
    """axe.min.js of the pinned version (npm ci when the lock file changed)."""
    stamp = TOOL / "node_modules" / ".installed"
    want = hashlib.sha256((TOOL / "package-lock.json").read_bytes()).hexdigest()[:16]
    if not SCRIPT.exists() or not stamp.exists() or stamp.read_text().strip() != want:
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("ERP_PANEL_REQUIRE_NODE") == "1":
                pytest.fail("npm is not installed and ERP_PANEL_REQUIRE_NODE=1 makes the axe-core checks required")
            pytest.skip("npm is not installed: axe-core cannot be installed (set ERP_PANEL_REQUIRE_NODE=1 to require)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOL, check=True,
                       capture_output=True, timeout=300)
        stamp.write_text(want)
    return SCRIPT.read_text()


def serious_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations on the current page with a serious or critical impact, one line
    each (rule, impact, the first offending element)."""
    page.evaluate(axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       target: v.nodes.length ? String(v.nodes[0].target) : ''}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['target']}" for v in result if v["impact"] in FAILING]
