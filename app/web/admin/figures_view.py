"""The settings page's "Who sees which figures" part: the stored (or submitted) figure policy as a form."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from app.crm.viewers import policy_of
from app.panel.figures import RULE_KINDS, SECTIONS, Visibility
from app.tenants.model import Tenant

BLANK_RULE_ROWS = 2
SECTION_LABELS = {"credit": "Credit", "stock": "Stock", "invoices": "Invoices", "pricing": "Prices"}


def figure_policy_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form -> the policy's stored shape (``FigurePolicy.parse`` checks it); blank rule rows are layout."""
    kinds = [k.value for k in SECTIONS]
    default = {k: form.get(f"default-{k}", Visibility.FULL.value) for k in kinds}
    columns = {k: form.getlist(f"rule-{k}") for k in kinds}
    rules = []
    for n, (kind, text) in enumerate(zip(form.getlist("rule-kind"), form.getlist("rule-values"), strict=False)):
        if not kind and not text.strip():
            continue
        rules.append({"kind": kind, "values": [v.strip() for v in text.split(",") if v.strip()],
                      "levels": {k: columns[k][n] if n < len(columns[k]) else Visibility.FULL.value for k in kinds}})
    return {"default": default, "rules": rules}


def figures_section(tenant: Tenant, submitted: dict[str, Any] | None = None,
                    errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The part's model: default levels, one row per rule plus blank rows, errors next to their rule."""
    errors = errors or {}
    policy = submitted if submitted is not None else policy_of(tenant).to_dict()
    full = {k.value: Visibility.FULL.value for k in SECTIONS}
    rules = [{"kind": r.get("kind", ""), "values": ", ".join(r.get("values") or []),
              "levels": {**full, **(r.get("levels") or {})},
              "errors": [m for key, msgs in errors.items() if key.startswith(f"rules.{n}.") for m in msgs]}
             for n, r in enumerate(policy.get("rules") or [])]
    rules += [{"kind": "", "values": "", "levels": full, "errors": []} for _ in range(BLANK_RULE_ROWS)]
    return {"sections": [(k.value, SECTION_LABELS[k.value]) for k in SECTIONS],
            "levels": [v.value for v in Visibility], "kinds": RULE_KINDS,
            "default": {**full, **(policy.get("default") or {})}, "rules": rules,
            "other_errors": [m for key, msgs in errors.items() if not key.startswith("rules.") for m in msgs]}
