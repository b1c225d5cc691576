"""The admin audit as CSV (the settings page's and the admin API's export).

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading apostrophe, as OWASP advises for CSV exports
(https://owasp.org/www-community/attacks/CSV_Injection): a CRM account id or an ERP customer id
typed by someone else must not become a formula in the admin's spreadsheet.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from app.ops.admin_audit import AdminAction

COLUMNS = ("at", "tenant_id", "actor", "source", "action", "target", "before", "after", "detail")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def audit_csv(actions: Iterable[AdminAction]) -> str:
    """One header row, then one row per action (before/after as JSON, times in ISO 8601 UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for a in actions:
        writer.writerow([_cell(v) for v in (
            a.at.isoformat(), a.tenant_id, a.actor, a.source, a.action, a.target,
            json.dumps(a.before, sort_keys=True, ensure_ascii=False) if a.before else "",
            json.dumps(a.after, sort_keys=True, ensure_ascii=False) if a.after else "", a.detail)])
    return out.getvalue()
