"""Demo CRM "Mark won" button and the demo CRM's webhook receiver.

Mark won sets the deal to won in the demo CRM, which then delivers a signed
webhook to POST /webhooks/demo exactly like a real CRM would (in-process through
the WSGI app, so it works the same under the dev server and in tests). The
receiver verifies the signature, hands a DealWon to the intake and answers at
once; the worker creates the order and writes the number back, and the host
page's polling shows it appear.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, redirect, request, url_for

from app.crm.base import CRMAuthError, CRMNotFoundError
from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import SIGNATURE_HEADER, build_won_webhook, verify_won_webhook
from app.errors import NotFound, ServiceUnavailable, Unauthorized
from app.web.context import services
from app.web.csrf import require_same_origin

log = logging.getLogger("erp_panel.web")

bp = Blueprint("demo_orders", __name__)

WEBHOOK_PATH = "/webhooks/demo"


@bp.post("/demo/deals/<string:deal_id>/won")
def mark_won(deal_id: str):
    """The demo CRM marks the deal won and sends its signed webhook, then shows the account again."""
    require_same_origin()
    crm = services().demo_crm
    try:
        crm.set_status(DEMO_COMPANY, deal_id, "won")
    except CRMNotFoundError:
        raise NotFound(f"Deal {deal_id} does not exist in the demo CRM", reason="unknown_deal") from None
    body, headers = build_won_webhook(crm, DEMO_COMPANY, deal_id)
    delivery = current_app.test_client().post(WEBHOOK_PATH, data=body, headers=headers)
    if delivery.status_code >= 300:
        log.warning("demo webhook delivery failed", extra={"ctx": {"status": delivery.status_code,
                                                                 "crm_deal_id": deal_id}})
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/demo/") else url_for("demo.index"), code=303)


@bp.post(WEBHOOK_PATH)
def demo_webhook():
    """Receive a demo CRM webhook: verify, store via the intake, acknowledge (202 new, 200 duplicate)."""
    svc = services()
    if svc.intake is None:
        raise ServiceUnavailable("Order intake is not installed", reason="intake_unavailable")
    body = request.get_data(cache=False)
    try:
        event = verify_won_webhook(svc.demo_crm, svc.tenants, body, request.headers.get(SIGNATURE_HEADER, ""))
    except CRMAuthError as exc:
        raise Unauthorized("The webhook signature did not verify", reason=exc.reason) from None
    if event is None:
        return jsonify(status="ignored"), 200
    result = svc.intake.accept(event)
    return jsonify(status=result.status, job_id=result.job_id), (202 if result.status == "accepted" else 200)


def register(app, api, services) -> None:
    """Only when the demo CRM runs in this process."""
    if services.demo_crm is not None:
        app.register_blueprint(bp)
