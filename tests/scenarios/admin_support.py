"""Helpers for admin scenario tests: signing in, reading the CSRF token, posting forms."""
from __future__ import annotations

import html

from app.auth.admin import COOKIE_NAME
from tests.fakes.browser_client import CSRF_INPUT as CSRF_RE  # noqa: F401 - used by scenario tests
from tests.fakes.browser_client import csrf_token_in


def sign_in_demo_admin(client) -> None:
    """What the demo's 'Settings (admin)' button does."""
    response = client.post("/demo/admin-login")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/admin/settings")


def sign_in(client, services, tenant_id: str, user_id: str = "admin-1") -> str:
    """Put an admin session cookie for this tenant on the test client; returns the token."""
    token = services.admin_sessions.mint(tenant_id, user_id)
    client.set_cookie(COOKIE_NAME, token, secure=True, httponly=True)
    return token


def csrf_of(client) -> str:
    page = client.get("/admin/settings")
    assert page.status_code == 200, page.get_data(as_text=True)
    return csrf_token_in(page)


def post_form(client, path: str, data: dict, csrf: str | None = None, **kwargs):
    """POST a settings-page form with this session's CSRF token."""
    body = dict(data)
    body["csrf_token"] = csrf if csrf is not None else csrf_of(client)
    return client.post(path, data=body, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def page_text(response) -> str:
    """A page's HTML with entities decoded, for looking for sentences."""
    return html.unescape(response.get_data(as_text=True))
