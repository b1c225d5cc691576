"""The operations page: the health of each tenant at a glance.

A tenant's admin (session cookie) sees their own installation; the operator sees every one,
with ``Authorization: Bearer <ADMIN_TOKEN>`` or after signing in on the page with that token
(an hour-long operator session in its own cookie, see ``app.auth.operator``). Sign-in and
sign-out are same-origin form posts; the blueprint is an admin blueprint, so a write carrying the
admin cookie also needs its CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request

from app.auth.operator import COOKIE_NAME, SESSION_TTL, OperatorSessionInvalid, OperatorSessions
from app.errors import AppError, Unauthorized
from app.ops.admin_audit import Actor
from app.web.admin.auth import admin_caller
from app.web.admin.operations_view import operations_model
from app.web.admin.pages import admin_page_headers
from app.web.context import services
from app.web.csrf import CSRF_FIELD, csrf_token, protect_admin_blueprint, require_same_origin

OPERATIONS_PATH = "/admin/operations"
#: who signs in and out on this page (the operator token names no person)
OPERATOR = Actor("operator", "operations_page")

bp = admin_page_headers(protect_admin_blueprint(Blueprint("ops_pages", __name__, url_prefix="/admin")))


def operator_sessions() -> OperatorSessions:
    svc = services()
    return OperatorSessions([svc.settings.secret_key], svc.settings.admin_token, svc.clock)


def _is_operator_session() -> bool:
    try:
        operator_sessions().verify(request.cookies.get(COOKIE_NAME, ""))
    except OperatorSessionInvalid:
        return False
    return True


@bp.errorhandler(AppError)
def _error_page(exc: AppError) -> tuple[str, int]:
    return render_template("admin/operations_sign_in.html", status=exc.status, message=exc.detail,
                           operator_enabled=bool(services().settings.admin_token), csrf_field=CSRF_FIELD,
                           csrf_token=csrf_token()), exc.status


@bp.get("/operations")
def operations_page():
    """Every tenant for the operator, the own installation for a tenant admin."""
    svc = services()
    if _is_operator_session():
        tenants, operator = svc.tenants.list(), True
    else:
        try:
            caller = admin_caller()
        except Unauthorized:
            raise Unauthorized("Sign in with the operator token, or open this page from erp-panel's settings "
                               "as an admin of an installation.", reason="operations_sign_in") from None
        operator = caller.is_operator
        if caller.tenant_id is None:        # the operator token
            tenants = svc.tenants.list()
        else:
            tenants = [t for t in [svc.tenants.get(caller.tenant_id)] if t]
    model = operations_model(tenants, operator=operator)
    return render_template("admin/operations.html", csrf_field=CSRF_FIELD, csrf_token=csrf_token(), **model)


@bp.post("/operations/sign-in")
def operator_sign_in():
    """Trade the operator token (form field ``token``) for an operator session cookie."""
    require_same_origin()
    try:
        session = operator_sessions().sign_in(request.form.get("token", ""))
    except OperatorSessionInvalid:
        raise Unauthorized("That is not the operator token (ADMIN_TOKEN).", reason="operator_token_refused") from None
    services().ops.admin_audit.record(None, OPERATOR, "operator.sign_in")
    response = redirect(OPERATIONS_PATH, code=303)
    response.set_cookie(COOKIE_NAME, session, max_age=SESSION_TTL, path="/", secure=True, httponly=True,
                        samesite="Strict")
    return response


@bp.post("/operations/sign-out")
def operator_sign_out():
    """End the operator session."""
    require_same_origin()
    if _is_operator_session():
        services().ops.admin_audit.record(None, OPERATOR, "operator.sign_out")
    response = make_response(render_template("admin/error.html", status=200, title="Signed out",
                                             message="The operator session has ended."))
    response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="Strict")
    return response
