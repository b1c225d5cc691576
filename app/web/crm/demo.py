"""The demo CRM's routes: its host page (embeds the widget like a CRM would), "Mark won" and its webhook
receiver, the sandbox switches and the demo admin login. Registered only where the demo runs.

Mark won sets the deal to won in the demo CRM, which then delivers a signed webhook to
POST /webhooks/demo exactly like a real CRM would (in-process through the WSGI app, so it works
the same under the dev server and in tests). The receiver verifies it, hands the DealWon to the
intake and answers at once; the worker creates the order and writes the number back, and the
host page's polling shows it appear.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import build_won_webhook
from app.domain.ids import idempotency_key
from app.erp.sandbox import SandboxERP
from app.errors import BadRequest, NotFound, UpstreamNotFound
from app.web.admin.session import start_admin_session
from app.web.context import services
from app.web.crm.common import receive_events
from app.web.csrf import require_same_origin

log = logging.getLogger("erp_panel.web")

bp = Blueprint("demo", __name__, url_prefix="/demo")
orders_bp = Blueprint("demo_orders", __name__)
admin_bp = Blueprint("admin_demo", __name__, url_prefix="/demo")

DEMO_USER = "demo-rep"
DEMO_ADMIN_USER = "demo-admin"
WEBHOOK_PATH = "/webhooks/demo"


def demo() -> DemoIntegration:
    """The demo integration (its routes exist only where it runs)."""
    found = services().crm.of_kind(DemoIntegration)
    if found is None:
        abort(404)
    return found


def _back() -> Response:
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/demo/") else url_for("demo.index"), code=303)


@bp.get("/")
def index() -> Response:
    accounts = demo().store.list_accounts(DEMO_COMPANY)
    return redirect(url_for("demo.account", account_id=accounts[0]["id"]))


@bp.get("/accounts/<string:account_id>")
def account(account_id: str) -> str:
    svc = services()
    crm = demo().store
    accounts = crm.list_accounts(DEMO_COMPANY)
    current = next((a for a in accounts if a["id"] == account_id), None)
    if current is None:
        abort(404)
    ctx = crm.sign_widget_context(DEMO_COMPANY, DEMO_USER, account_id)
    deals = [d for d in crm.list_deals(DEMO_COMPANY) if d["account_id"] == account_id]
    # a deal opened in the panel: the widget shows its order readiness (or its order) above the account's data
    opened = request.args.get("deal", "")
    widget_args = {"crm": "demo", "ctx": ctx, "account": account_id}
    if any(d["id"] == opened for d in deals):
        widget_args["deal"] = opened
    widget_src = "/widgets/account-panel/?" + urlencode(widget_args)
    faults = svc.sandbox_faults
    return render_template("demo/host.html", accounts=accounts, current=current, widget_src=widget_src,
                           deals=deals, can_mark_won=True, opened_deal=widget_args.get("deal", ""),
                           can_admin="admin_demo.demo_admin_login" in current_app.view_functions,
                           erp_down=faults.down, latency_ms=int(faults.latency_ms),
                           connector=svc.settings.erp_connector)


@bp.get("/accounts/<string:account_id>/deals.json")
def deals_json(account_id: str) -> Response:
    deals = [d for d in demo().store.list_deals(DEMO_COMPANY) if d["account_id"] == account_id]
    keys = ("id", "title", "status", "currency", "erp_order_number", "erp_order_status", "erp_failure_reason")
    return jsonify(deals=[{k: d[k] for k in keys} for d in deals])


@bp.get("/accounts/<string:account_id>/widget-context")
def widget_context(account_id: str) -> Response:
    """A fresh signed widget context (the host page hands it to the iframe on request)."""
    crm = demo().store
    if not any(a["id"] == account_id for a in crm.list_accounts(DEMO_COMPANY)):
        abort(404)
    return jsonify(ctx=crm.sign_widget_context(DEMO_COMPANY, DEMO_USER, account_id))


@bp.post("/sandbox")
def sandbox_controls() -> Response:
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
    return _back()


@orders_bp.post("/demo/deals/<string:deal_id>/erp-step")
def sandbox_order_step(deal_id: str) -> Response:
    """Move the deal's order on in the sandbox ERP (deliver, invoice, pay) as people in the ERP would, then poll
    the order status once so the deal shows the change without waiting for the scheduled poll."""
    require_same_origin()
    step = request.form.get("step", "")
    if step not in ("deliver", "invoice", "pay"):
        raise BadRequest("step must be deliver, invoice or pay", reason="bad_step")
    svc = services()
    tenant = demo().active_tenant(DEMO_COMPANY)
    if tenant is None:
        raise NotFound("The demo company is not installed", reason="not_installed")
    connector, _fp = svc.erp.connector_for(tenant)
    if not isinstance(connector, SandboxERP):
        raise BadRequest("Only the sandbox ERP's orders can be moved from the demo", reason="not_sandbox")
    try:
        connector.advance_order(idempotency_key(tenant.id, deal_id), step)
    except UpstreamNotFound:
        raise NotFound(f"Deal {deal_id} has no order in the sandbox ERP", reason="order_not_found") from None
    svc.orders.status.poll(tenant)
    return _back()


@orders_bp.post("/demo/deals/<string:deal_id>/won")
def mark_won(deal_id: str) -> Response:
    """The demo CRM marks the deal won and sends its signed webhook, then shows the account again."""
    require_same_origin()
    crm = demo().store
    try:
        crm.set_status(DEMO_COMPANY, deal_id, "won")
    except UpstreamNotFound:
        raise NotFound(f"Deal {deal_id} does not exist in the demo CRM", reason="unknown_deal") from None
    body, headers = build_won_webhook(crm, DEMO_COMPANY, deal_id)
    delivery = current_app.test_client().post(WEBHOOK_PATH, data=body, headers=headers)
    if delivery.status_code >= 300:
        log.warning("demo webhook delivery failed", extra={"ctx": {"status": delivery.status_code,
                                                                 "crm_deal_id": deal_id}})
    return _back()


@orders_bp.post("/demo/deals/<string:deal_id>/status")
def change_status(deal_id: str) -> Response:
    """The demo CRM reopens a won deal or marks it lost, and sends its signed status webhook."""
    require_same_origin()
    status = request.form.get("status", "")
    if status not in ("open", "lost"):
        raise BadRequest("status must be open or lost", reason="bad_status")
    crm = demo().store
    try:
        crm.set_status(DEMO_COMPANY, deal_id, status)
    except UpstreamNotFound:
        raise NotFound(f"Deal {deal_id} does not exist in the demo CRM", reason="unknown_deal") from None
    body, headers = build_won_webhook(crm, DEMO_COMPANY, deal_id, status=status)
    current_app.test_client().post(WEBHOOK_PATH, data=body, headers=headers)
    return _back()


@orders_bp.post(WEBHOOK_PATH)
def demo_webhook() -> tuple[Response, int]:
    """Receive a demo CRM webhook: verify, store via the intake, acknowledge (202 new, 200 duplicate)."""
    _outcome, results = receive_events(demo())
    if not results:
        return jsonify(status="ignored"), 200
    result = results[0]
    return jsonify(status=result.status, job_id=result.job_id), (202 if not result.duplicate else 200)


@admin_bp.post("/admin-login")
def demo_admin_login() -> Response:
    """The demo CRM has no OAuth: sign in as the demo company's admin and open the settings page."""
    require_same_origin()
    tenant = demo().active_tenant(DEMO_COMPANY)
    if tenant is None:
        raise NotFound("The demo installation does not exist", reason="demo_not_installed")
    return start_admin_session(tenant.id, DEMO_ADMIN_USER)


def register(app: Flask, integration: DemoIntegration) -> None:
    """The demo's routes; seeds the demo CRM and installs erp-panel into it."""
    app.register_blueprint(bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(admin_bp)
    integration.ensure_installed()
