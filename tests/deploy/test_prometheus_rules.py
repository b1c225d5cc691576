"""The shipped Prometheus rules: promtool checks and unit-tests them, and they use the embedded alerting's
thresholds and only metrics the app exports."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.ops import rules
from app.ops.exposition import scrape

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
TESTS = ROOT / "deploy" / "prometheus" / "tests" / "alerts_test.yml"
REQUIRE = os.environ.get("ERP_PANEL_REQUIRE_SERVICES", "") == "1"


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    message = "promtool is not installed (Debian: apt-get install --no-install-recommends prometheus)"
    if REQUIRE:
        pytest.fail(message + " and ERP_PANEL_REQUIRE_SERVICES=1 makes it required")
    pytest.skip(message + " (set ERP_PANEL_REQUIRE_SERVICES=1 to make this a failure)")


def run(*args: str) -> str:
    result = subprocess.run([promtool(), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_promtool_accepts_the_rules():
    assert "SUCCESS" in run("check", "rules", str(RULES))


def test_promtool_unit_tests_every_alert_firing_and_clearing():
    assert "SUCCESS" in run("test", "rules", str(TESTS))


def alerts() -> dict[str, dict]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def compact(expr: str) -> str:
    return re.sub(r"\s+", "", expr)


def test_every_embedded_rule_has_its_prometheus_alert_with_the_same_numbers():
    found = alerts()
    assert {r.prometheus_alert for r in rules.RULES} <= set(found)
    expr = {r.name: compact(found[r.prometheus_alert]["expr"]) for r in rules.RULES}
    assert expr["sync_failures"].endswith(f">{rules.FAILURE_SHARE}") and "ratio_rate1h" in expr["sync_failures"]
    assert rules.FAILURE_WINDOW == 3600
    assert f">{rules.API_USAGE}" in expr["api_budget"] and f"<{rules.BUDGET_WINDOW}" in expr["api_budget"]
    assert f"[{rules.STALE_WINDOW // 60}m]" in expr["stale_data"] and f"offset{rules.STALE_WINDOW // 60}m" in expr["stale_data"]
    assert f"[{rules.AUTH_WINDOW // 60}m]" in expr["auth_failure"] and "for" not in found["ErpPanelCredentialsRefused"]
    assert expr["queue_age"].endswith(f">{rules.QUEUE_AGE}")
    windows = {3600: "1h", 300: "5m", 21600: "6h", 1800: "30m"}
    for long, short, factor in rules.BURN_WINDOWS:
        assert (f"ratio_rate{windows[long]}>({factor:g}*{rules.SLO_ERROR_RATE})andtenant:erp_panel_syncs_failed:"
                f"ratio_rate{windows[short]}>({factor:g}*{rules.SLO_ERROR_RATE})") in expr["error_budget_burn"]


def test_the_rules_read_only_metrics_the_app_exports(services):
    text = scrape(services.ops.collector).decode()
    exported = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    exported |= {f"{name}_total" for name in exported}
    raw = RULES.read_text(encoding="utf-8")
    recorded = set(re.findall(r"record: (\S+)", raw))
    used = set(re.findall(r"\berp_panel_[a-z_]+", raw)) - {name.split(":")[1] for name in recorded}
    assert used and used <= exported, used - exported
