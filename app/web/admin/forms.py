"""Reading the settings page's HTML forms into the plain dicts the settings service takes.

Form-level mistakes (a mapping row without an order field, the same field twice)
become Issues here, so the admin sees a sentence instead of a value vanishing.
"""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from app.tenants.model import DEFAULT_STATUS_TRANSLATIONS
from app.tenants.settings_rules import Issue

SETTING_PREFIX = "setting-"
STATUS_PREFIX = "status-"


def erp_values(form: MultiDict[str, str]) -> dict[str, str]:
    """The connector's setting inputs (``setting-<name>``), secrets included as typed (blank = keep)."""
    return {key[len(SETTING_PREFIX):]: form.get(key, "") for key in form if key.startswith(SETTING_PREFIX)}


def order_changes(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[Issue]]:
    """Order-behaviour form -> (changes for update_settings, form-level issues)."""
    issues: list[Issue] = []
    changes: dict[str, Any] = {
        "credit_hold_policy": form.get("credit_hold_policy", ""),
        # an unchecked checkbox is absent from the form: absent means off
        "shadow_mode": form.get("shadow_mode") == "on",
        "default_warehouse": form.get("default_warehouse", ""),
        "status_translations": {key[len(STATUS_PREFIX):]: form.get(key, "")
                                for key in form if key.startswith(STATUS_PREFIX)},
        # one item code per line (codes may contain commas); blank lines are layout, not items
        "stock_items": [line.strip() for line in form.get("stock_items", "").splitlines() if line.strip()],
    }
    mapping: dict[str, str] = {}
    keys, sources = form.getlist("mapping_key"), form.getlist("mapping_source")
    for index, (key, source) in enumerate(zip(keys, sources, strict=False)):
        key, source = key.strip(), source.strip()
        if not key and not source:
            continue
        if not key:
            issues.append(Issue(f"field_mapping.row{index}", "missing_mapping_key",
                                f"Choose which order field the CRM field '{source}' fills."))
        elif key in mapping:
            issues.append(Issue(f"field_mapping.{key}", "duplicate_mapping_key",
                                f"The order field '{key}' is mapped twice; keep one row for it."))
        else:
            mapping[key] = source
    changes["field_mapping"] = mapping
    if "price_tolerance_percent" in form:         # a form from before the field existed keeps the setting
        changes["price_tolerance_percent"] = form["price_tolerance_percent"]
    if "status_poll_minutes" in form:
        changes["status_poll_minutes"] = form["status_poll_minutes"]
    if "create_customers_shown" in form:           # a form from before the switch existed keeps the setting
        changes["create_customers"] = form.get("create_customers") == "on"
    return changes, issues


def submitted_order_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the admin typed, to show again next to validation errors."""
    rows = [(k, s) for k, s in zip(form.getlist("mapping_key"), form.getlist("mapping_source"), strict=False)
            if k.strip() or s.strip()]
    return {
        "credit_hold_policy": form.get("credit_hold_policy", ""),
        "shadow_mode": form.get("shadow_mode") == "on",
        "default_warehouse": form.get("default_warehouse", ""),
        "price_tolerance_percent": form.get("price_tolerance_percent", ""),
        "status_poll_minutes": form.get("status_poll_minutes", ""),
        "create_customers": form.get("create_customers") == "on",
        "status_translations": {s: form.get(STATUS_PREFIX + s, "") for s in DEFAULT_STATUS_TRANSLATIONS},
        "mapping_rows": rows,
        "stock_items": form.get("stock_items", ""),
    }
