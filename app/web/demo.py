"""The demo CRM host page: lists accounts and deals and embeds the widget like a CRM would."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from app.crm.demo.bootstrap import ensure_demo_tenant
from app.crm.demo.seed import DEMO_COMPANY
from app.web.context import services
from app.web.csrf import require_same_origin

bp = Blueprint("demo", __name__, url_prefix="/demo")

DEMO_USER = "demo-rep"


def bootstrap(svc) -> None:
    ensure_demo_tenant(svc)


@bp.get("/")
def index():
    accounts = services().demo_crm.list_accounts(DEMO_COMPANY)
    return redirect(url_for("demo.account", account_id=accounts[0]["id"]))


@bp.get("/accounts/<string:account_id>")
def account(account_id: str):
    svc = services()
    crm = svc.demo_crm
    accounts = crm.list_accounts(DEMO_COMPANY)
    current = next((a for a in accounts if a["id"] == account_id), None)
    if current is None:
        abort(404)
    ctx = crm.sign_widget_context(DEMO_COMPANY, DEMO_USER, account_id)
    widget_src = "/widgets/account-panel/?" + urlencode({"crm": "demo", "ctx": ctx, "account": account_id})
    deals = [d for d in crm.list_deals(DEMO_COMPANY) if d["account_id"] == account_id]
    can_mark_won = "demo_orders.mark_won" in current_app.view_functions
    can_admin = "admin_demo.demo_admin_login" in current_app.view_functions
    faults = svc.sandbox_faults
    return render_template("demo/host.html", accounts=accounts, current=current, widget_src=widget_src,
                           deals=deals, can_mark_won=can_mark_won, can_admin=can_admin, erp_down=faults.down,
                           latency_ms=int(faults.latency_ms), connector=svc.settings.erp_connector)


@bp.get("/accounts/<string:account_id>/deals.json")
def deals_json(account_id: str):
    deals = [d for d in services().demo_crm.list_deals(DEMO_COMPANY) if d["account_id"] == account_id]
    keys = ("id", "title", "status", "currency", "erp_order_number", "erp_order_status", "erp_failure_reason")
    return jsonify(deals=[{k: d[k] for k in keys} for d in deals])


@bp.get("/accounts/<string:account_id>/widget-context")
def widget_context(account_id: str):
    """A fresh signed widget context (the host page hands it to the iframe on request)."""
    crm = services().demo_crm
    if not any(a["id"] == account_id for a in crm.list_accounts(DEMO_COMPANY)):
        abort(404)
    return jsonify(ctx=crm.sign_widget_context(DEMO_COMPANY, DEMO_USER, account_id))


@bp.post("/sandbox")
def sandbox_controls():
    """Simulate an ERP outage or latency (for every process) so the panel's stale/unavailable states show."""
    require_same_origin()
    faults = services().sandbox_faults
    action = request.form.get("action", "")
    if action in ("outage_on", "outage_off"):
        faults.switch(down=action == "outage_on")
    elif action == "latency":
        try:
            latency = max(0.0, min(float(request.form.get("latency_ms", "0")), 5000.0))
        except ValueError:
            latency = 0.0
        faults.switch(latency_ms=latency)
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/demo/") else url_for("demo.index"), code=303)
