"""The admin session cookie helpers and CSRF token."""
from __future__ import annotations

import pytest
from flask import Response

from app.auth.admin import COOKIE_NAME
from app.web.admin.session import (
    clear_admin_session_cookie,
    set_admin_session_cookie,
    start_admin_session,
)
from app.web.csrf import csrf_token


def test_cookie_is_host_prefixed_secure_httponly_lax():
    response = set_admin_session_cookie(Response(), "tok")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=tok;") and COOKIE_NAME.startswith("__Host-")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie


def test_clear_expires_the_cookie():
    cookie = clear_admin_session_cookie(Response()).headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=;") and "Max-Age=0" in cookie and "Secure" in cookie


def test_csrf_token_depends_on_the_session(app):
    with app.test_request_context(headers={"Cookie": f"{COOKIE_NAME}=session-a"}):
        first = csrf_token()
    with app.test_request_context(headers={"Cookie": f"{COOKIE_NAME}=session-b"}):
        second = csrf_token()
    with app.test_request_context():
        none = csrf_token()
    assert first and second and first != second and len(first) == 64
    assert none == ""


def test_start_admin_session_redirects_only_to_local_paths(app, services, demo_tenant):
    with app.test_request_context():
        response = start_admin_session(demo_tenant.id, "u-1")
        assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
        assert services.admin_sessions.verify(
            response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]).tenant_id == demo_tenant.id
        for bad in ("https://evil.example", "//evil.example", "/\\evil.example"):
            with pytest.raises(ValueError):
                start_admin_session(demo_tenant.id, "u-1", location=bad)
