"""The settings page's Audit section and the CSV export shared by the page and the admin API."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from app.ops.admin_audit import ACTIONS, AdminAction
from app.ops.audit_csv import audit_csv
from app.ops.audit_query import EXPORT_LIMIT, AuditQuery
from app.tenants.model import Tenant
from app.tenants.settings_rules import SettingsInvalid
from app.web.context import services

FILTERS = ("actor", "action", "since", "until")
EXPORT_PATH = "/admin/settings/audit.csv"


def _changes(action: AdminAction) -> list[dict[str, Any]]:
    """One line per changed value: name, before, after (values are already masked)."""
    keys = sorted(set(action.before) | set(action.after))
    return [{"name": k, "before": action.before.get(k), "after": action.after.get(k)} for k in keys]


def audit_section(tenant: Tenant, args: Mapping[str, str]) -> dict[str, Any]:
    """The Audit section's model: the filter form as typed, its errors, the matching actions, the export link."""
    form = {name: args.get(name, "") for name in FILTERS}
    try:
        query = AuditQuery.parse(form)
    except SettingsInvalid as exc:
        return {"form": form, "errors": exc.by_field(), "rows": [], "actions": ACTIONS, "export_href": EXPORT_PATH}
    rows = [{"entry": a, "changes": _changes(a)} for a in query.run(services().ops.admin_audit, tenant.id)]
    args_text = urlencode(query.as_args())
    return {"form": form, "errors": {}, "rows": rows, "actions": ACTIONS,
            "export_href": EXPORT_PATH + (f"?{args_text}" if args_text else "")}


def audit_export(tenant: Tenant, args: Mapping[str, str]) -> Response:
    """The installation's matching actions as a CSV download (SettingsInvalid for bad filters)."""
    query = AuditQuery.parse({name: args.get(name, "") for name in FILTERS})
    body = audit_csv(query.run(services().ops.admin_audit, tenant.id, limit=EXPORT_LIMIT))
    filename = f"erp-panel-audit-{tenant.id}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
