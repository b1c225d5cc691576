"""What every CRM's routes share: the request as the CRM sent it, the won-deal intake, the message page."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import make_response, render_template, request
from werkzeug.wrappers import Response

from app.crm.base import CRMIntegration
from app.crm.inbound import InboundRequest, WebhookOutcome
from app.errors import AppError, ServiceUnavailable, UpstreamError
from app.orders.intake import IntakeResult
from app.web.admin.audit import admin_audit
from app.web.admin.auth import admin_tenant
from app.web.admin.session import clear_admin_session_cookie
from app.web.context import services
from app.web.csrf import CSRF_FIELD, csrf_token

#: how long a CRM should wait before sending a batch again that we could not take
RETRY_AFTER_SECONDS = "60"


def public_url() -> str:
    """The URL the CRM addressed (signatures cover it): PUBLIC_BASE_URL + the raw path and query."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        raw = quote(request.path) + (("?" + request.query_string.decode("latin-1")) if request.query_string else "")
    return services().settings.public_base_url.rstrip("/") + raw


def inbound(**path_params: str) -> InboundRequest:
    """The current request for a CRM integration to verify (raw body, never re-serialised)."""
    return InboundRequest(method=request.method, url=public_url(), body=request.get_data(cache=True),
                          headers=dict(request.headers),
                          query={key: tuple(request.args.getlist(key)) for key in request.args},
                          path_params=path_params)


def receive_events(integration: CRMIntegration, **path_params: str) -> tuple[WebhookOutcome, list[IntakeResult]]:
    """Verify a webhook delivery and hand its won deals to the order intake (stores + enqueues only, so
    the answer goes out in milliseconds). A CRM that cannot tell which deals are won right now gets a
    503 with Retry-After: it sends the delivery again, nothing is lost."""
    try:
        outcome = integration.events(inbound(**path_params))
    except UpstreamError as exc:
        raise ServiceUnavailable(f"{integration.label} could not be asked about this delivery; it will be sent "
                                 "again", reason=exc.reason, headers={"Retry-After": RETRY_AFTER_SECONDS}) from None
    intake = services().orders.intake
    for left in outcome.left_won:
        intake.left_won(left)
    return outcome, [intake.accept(event) for event in outcome.won]


def message_page(label: str, title: str, message: str, status: int = 200, *,
                 link: tuple[str, str] | None = None, form: str = "") -> Response:
    """A plain page with one sentence (install results, "not configured"), optionally a confirm form."""
    page = render_template("crm/message.html", crm_label=label, title=title, message=message, error=status >= 400,
                           link=link, form=form, csrf_field=CSRF_FIELD, csrf_token=csrf_token() if form else "")
    return make_response(page, status)


def disconnect_page(label: str, integration: Callable[[], CRMIntegration], also: str) -> Response:
    """The "Disconnect <CRM>" page (admin session): GET asks, POST uninstalls the signed-in tenant (revoke
    tokens, drop cached ERP data) and signs out; ``also`` says what to remove in the CRM itself.

    The POST is a cookie-authenticated write: the caller's blueprint runs the CSRF rule (``app.web.csrf``) first.
    """
    try:
        tenant = admin_tenant()
        found = integration()
    except AppError as exc:
        return message_page(label, "Sign-in required" if exc.status == 401 else "Request refused", exc.detail,
                            exc.status)
    if tenant.crm != found.name:
        return message_page(label, f"Not a {label} installation", f"This installation is not connected to {label}.",
                            400)
    if request.method == "GET":
        return message_page(label, f"Disconnect {label}", f"erp-panel will stop showing ERP data in {label} and "
                            "stop turning won deals into orders for this account.", form=f"Disconnect {label}")
    found.uninstall(tenant)
    admin_audit().record(tenant.id, "crm.uninstall", target=tenant.installation_id,
                         before={"status": tenant.status}, after={"status": "uninstalled"})
    return clear_admin_session_cookie(message_page(label, f"{label} disconnected",
                                                   f"erp-panel is disconnected. {also}"))
