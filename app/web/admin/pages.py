"""The server-rendered settings page: ERP connection, order behaviour, account links, CRM, error queue.

Every cookie-authenticated POST passes the CSRF rule of ``app.web.csrf`` (same origin + per-session token),
then redirects (303) on success or re-renders the page with plain-sentence errors
next to the fields (422) and the admin's input kept.
"""
from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, g, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from app.errors import AppError, Conflict, NotFound, UpstreamError
from app.linking.create import CustomerDetails, create_and_link
from app.ops.admin_audit import secret_states
from app.orders.reconcile import report_csv, window_of
from app.tenants.model import Tenant
from app.tenants.settings_rules import MAX_CRM_ACCOUNT_ID, SettingsInvalid
from app.web.admin import forms as admin_forms
from app.web.admin import secret_drafts
from app.web.admin.audit import admin_audit, current_actor
from app.web.admin.audit_view import audit_export, audit_section
from app.web.admin.auth import admin_caller
from app.web.admin.figures_view import figure_policy_form, figures_section
from app.web.admin.operations_view import alert_section
from app.web.admin.session import (
    SETTINGS_PATH,
    active_admin_tenant,
    clear_admin_session_cookie,
)
from app.web.admin.view import error_queue, settings_page_model, settings_service
from app.web.context import services
from app.web.csrf import BlueprintT, protect_admin_blueprint
from app.web.widgets import WIDGETS_DIR

STATIC_DIR = os.path.join(WIDGETS_DIR, "admin")

bp = protect_admin_blueprint(Blueprint("admin", __name__, url_prefix="/admin", static_folder=STATIC_DIR,
                                       static_url_path="/static"))

#: CSP for admin pages: own CSS only, no scripts at all, forms only to ourselves, never framed
ADMIN_CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

NOTICES = {
    "erp_saved": "The ERP connection was saved. The panel now reads from it.",
    "orders_saved": "Order behaviour was saved.",
    "link_added": "The account link was saved.",
    "link_removed": "The account link was removed.",
    "customer_created": "The customer was created in the ERP and the account linked to it.",
    "replayed": "The failed event was queued again.",
    "cancelled": "The ERP cancelled the order. The deal keeps the mark that it is no longer won.",
    "reconcile_queued": "Reconciliation was queued; the report below updates when a worker has run it.",
    "alerts_saved": "The alert settings were saved.",
    "figures_saved": "Who sees which figures was saved. It applies to the next panel a CRM user opens.",
}

UNAUTHORIZED_HELP = ("You are not signed in as an admin of this installation. Open erp-panel's settings "
                     "from your CRM's app settings (or the demo's 'Settings (admin)' button).")


def admin_page_headers(blueprint: BlueprintT) -> BlueprintT:
    """Every page of ``blueprint``: the admin CSP (no scripts, never framed) and ``Cache-Control: no-store``."""
    def admin_csp() -> None:
        g.csp = ADMIN_CSP

    def no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        return response
    blueprint.before_request(admin_csp)
    blueprint.after_request(no_store)
    return blueprint


admin_page_headers(bp)


@bp.errorhandler(AppError)
def _error_page(exc: AppError) -> tuple[str, int]:
    message = UNAUTHORIZED_HELP if exc.status == 401 else exc.detail
    return render_template("admin/error.html", status=exc.status, message=message), exc.status


def _render(tenant: Tenant, status: int = 200, notice: str | None = None, **kwargs: Any) -> tuple[str, int]:
    model = settings_page_model(tenant, connector=request.args.get("connector"),
                                notice=notice or NOTICES.get(request.args.get("done", "")), search_args=request.args,
                                **kwargs)
    return render_template("admin/settings.html", **model), status


@bp.get("/settings")
def settings_page() -> ResponseReturnValue:
    """The settings page for the signed-in admin's installation (its Audit section filtered by the query)."""
    tenant = active_admin_tenant()
    return _render(tenant, audit=audit_section(tenant, request.args))


@bp.get("/settings/audit.csv")
def export_audit() -> ResponseReturnValue:
    """The installation's admin audit, filtered like the page, as a CSV download."""
    tenant = active_admin_tenant()
    try:
        return audit_export(tenant, request.args)
    except SettingsInvalid as exc:
        return render_template("admin/error.html", status=422, message=exc.detail), 422


@bp.post("/settings/erp")
def save_erp() -> ResponseReturnValue:
    """Save the ERP connection, or test it without saving (``action=test``)."""
    tenant = active_admin_tenant()
    connector = request.form.get("connector", "")
    values = admin_forms.erp_values(request.form)
    service = settings_service()
    testing = request.form.get("action") == "test"
    if testing:          # typed secrets are kept (encrypted, this session) until Save, never shown back
        secret_drafts.keep(tenant.id, connector, values)
    values_with_kept = secret_drafts.with_kept(tenant.id, connector, values)
    try:
        if testing:
            check = service.test_connection(tenant.id, connector, values_with_kept)
            return _render(tenant, erp_submitted=values, selected=connector, check=check)
        service.save_connection(tenant.id, connector, values_with_kept)
    except SettingsInvalid as exc:
        return _render(tenant, 422, erp_errors=exc.by_field(), erp_submitted=values, selected=connector)
    secret_drafts.drop(tenant.id, connector)
    return redirect(f"{SETTINGS_PATH}?done=erp_saved#erp", code=303)


@bp.post("/settings/orders")
def save_orders() -> ResponseReturnValue:
    """Credit-hold policy, shadow mode, status translations, field mapping, stock items."""
    tenant = active_admin_tenant()
    changes, issues = admin_forms.order_changes(request.form)
    try:
        if issues:
            raise SettingsInvalid(issues)
        settings_service().update_settings(tenant.id, changes)
    except SettingsInvalid as exc:
        return _render(tenant, 422, order_errors=exc.by_field(),
                       order_submitted=admin_forms.submitted_order_form(request.form))
    return redirect(f"{SETTINGS_PATH}?done=orders_saved#orders", code=303)


@bp.post("/settings/links")
def add_link() -> ResponseReturnValue:
    """Link a CRM account to an ERP customer."""
    tenant = active_admin_tenant()
    form = request.form
    try:
        customer = settings_service().link_account(tenant.id, form.get("crm_account_id"), form.get("erp_customer_id"))
    except SettingsInvalid as exc:
        return _render(tenant, 422, link_errors=exc.by_field(),
                       link_submitted={k: form.get(k, "") for k in ("crm_account_id", "erp_customer_id")})
    warning = services().linking.write_to_crm(tenant, str(form.get("crm_account_id", "")).strip(), customer.customer_id)
    if warning:
        return _render(tenant, link_warning=warning)
    return redirect(f"{SETTINGS_PATH}?done=link_added#links", code=303)


@bp.post("/settings/links/create-customer")
def create_customer() -> ResponseReturnValue:
    """Create an orphan account's customer in the ERP and link it (refused on a strong match unless confirmed)."""
    tenant = active_admin_tenant()
    account = request.form.get("crm_account_id", "")[:MAX_CRM_ACCOUNT_ID]
    try:
        created = create_and_link(settings_service(), tenant.id, account, CustomerDetails(),
                                  confirm=request.form.get("confirm") == "1")
    except SettingsInvalid as exc:
        return _render(tenant, 422, link_warning=exc.detail)
    except AppError as exc:
        refusal = {"crm_account_id": account, "message": exc.detail, "duplicate": exc.reason == "duplicate_customer"}
        return _render(tenant, exc.status, create_refusal=refusal)
    if created.crm_warning:
        return _render(tenant, link_warning=created.crm_warning)
    return redirect(f"{SETTINGS_PATH}?done=customer_created#links", code=303)


@bp.post("/settings/links/remove")
def remove_link() -> ResponseReturnValue:
    """Remove one account link."""
    tenant = active_admin_tenant()
    settings_service().unlink_account(tenant.id, request.form.get("crm_account_id", ""))
    return redirect(f"{SETTINGS_PATH}?done=link_removed#links", code=303)


@bp.post("/settings/dead-letters/replay")
def replay_dead_letter() -> ResponseReturnValue:
    """Queue one dead-lettered event again."""
    tenant = active_admin_tenant()
    wanted = request.form.get("dead_letter_id", "")
    letter = next((d for d in services().orders.dead_letters.list(tenant.id) if d.id == wanted), None)
    if letter is not None:
        failure = error_queue().check(tenant, letter, fresh=True)
        if not failure.replay_allowed:      # a replay would only fail again: say what to fix instead
            raise Conflict(f"Not replayed: {failure.blocker}", reason="replay_blocked")
    services().orders.dead_letters.replay(tenant.id, wanted, current_actor())
    return redirect(f"{SETTINGS_PATH}?done=replayed#errors", code=303)


@bp.post("/settings/figures")
def save_figures() -> ResponseReturnValue:
    """Who sees which panel sections: default levels and rules per CRM role, team or user list."""
    tenant = active_admin_tenant()
    raw = figure_policy_form(request.form)
    try:
        settings_service().update_figure_policy(tenant.id, raw)
    except SettingsInvalid as exc:
        return _render(tenant, 422, figures=figures_section(tenant, submitted=raw, errors=exc.by_field()))
    return redirect(f"{SETTINGS_PATH}?done=figures_saved#figures", code=303)


@bp.post("/settings/orders/cancel")
def request_cancellation() -> ResponseReturnValue:
    """Ask the ERP to cancel the order of a deal that is no longer won (audited; never done automatically).
    An ERP that cannot cancel, or refuses, is explained on the page."""
    tenant = active_admin_tenant()
    deal_id = request.form.get("crm_deal_id", "")
    try:
        sentence = services().orders.cancellation.request(tenant, deal_id, actor=f"admin {admin_caller().user_id}")
    except UpstreamError as exc:
        admin_audit().record(tenant.id, "order.cancel_request", target=f"deal {deal_id}"[:200],
                             after={"outcome": "refused", "reason": exc.reason}, detail=exc.message)
        return _render(tenant, 422, notice=f"The order was not cancelled: {exc.message} (reason: {exc.reason})")
    admin_audit().record(tenant.id, "order.cancel_request", target=f"deal {deal_id}"[:200],
                         after={"outcome": "cancelled"}, detail=sentence)
    return redirect(f"{SETTINGS_PATH}?done=cancelled#errors", code=303)


@bp.post("/settings/reconcile")
def request_reconciliation() -> ResponseReturnValue:
    """Queue a reconciliation of this installation now (window in days, 30 by default)."""
    tenant = active_admin_tenant()
    window = window_of(request.form.get("window_days"))
    job_id = services().orders.reconciliation.request(tenant.id, window, trigger="admin")
    admin_audit().record(tenant.id, "reconciliation.run", target=f"job {job_id}", after={"window_days": window})
    return redirect(f"{SETTINGS_PATH}?done=reconcile_queued#reconcile", code=303)


@bp.get("/settings/reconciliation.csv")
def reconciliation_csv() -> ResponseReturnValue:
    """The latest reconciliation report as CSV (findings with their fixes, then the counts)."""
    tenant = active_admin_tenant()
    report = services().orders.reconciliation.latest(tenant.id)
    if report is None:
        raise NotFound("No reconciliation has run for this installation yet.", reason="no_reconciliation")
    response = make_response(report_csv(report))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="reconciliation-{report.id}.csv"'
    return response


@bp.post("/settings/alerts")
def save_alerts():
    """The alert owner and channels (blank secret fields keep the stored values; ``remove`` clears them)."""
    tenant = active_admin_tenant()
    form = request.form
    values = {k: form.get(k, "") for k in ("owner_name", "email_to", "webhook_url", "webhook_secret",
                                           "slack_webhook_url")}
    contacts = services().ops.contacts
    stored = contacts.get(tenant.id)
    try:
        chosen = contacts.prepare(tenant.id, values, remove=set(form.getlist("remove")))
        contacts.save(chosen)
    except SettingsInvalid as exc:
        submitted = {"owner_name": values["owner_name"], "email_to": values["email_to"]}
        return _render(tenant, 422, alerts=alert_section(tenant, errors=exc.by_field(), submitted=submitted))
    old_channels, new_channels = secret_states(stored.channels(), chosen.channels())
    admin_audit().record(tenant.id, "alerts.save", target="alert contacts",
                         before={"owner_name": stored.owner_name, "email_to": list(stored.email_to),
                                 "channels": old_channels},
                         after={"owner_name": chosen.owner_name, "email_to": list(chosen.email_to),
                                "channels": new_channels})
    return redirect(f"{SETTINGS_PATH}?done=alerts_saved#alerts", code=303)


@bp.post("/settings/alerts/test")
def test_alerts():
    """Send a test alert to every channel now and show what each one said."""
    tenant = active_admin_tenant()
    results = services().ops.alerts.send_test(tenant)
    admin_audit().record(tenant.id, "alerts.test", target="alert channels",
                         detail="; ".join(f"{r.channel}: {'sent' if r.ok else 'failed'}" for r in results)
                         or "no channel configured")
    return _render(tenant, alerts=alert_section(tenant, results=results))


@bp.post("/logout")
def logout() -> Response:
    """End the admin session (clears the cookie)."""
    try:
        caller = admin_caller()
    except AppError:
        caller = None                   # no valid session: nothing to end, nothing to record
    if caller is not None:
        admin_audit().record(caller.tenant_id, "session.sign_out", target=caller.user_id)
    page = render_template("admin/error.html", status=200, title="Signed out",
                           message="You are signed out of erp-panel's settings.")
    return clear_admin_session_cookie(make_response(page))
