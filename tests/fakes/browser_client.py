"""A Flask test client that behaves like a browser on one of this site's pages: it sends ``Origin``.

Browsers send Origin with every POST (same-origin ones too), and cookie-authenticated writes
need it (app.web.csrf). Tests of cross-origin or header-less requests pass their own headers
or build a plain ``FlaskClient`` (tests/security).
"""
from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class ClosingClient(FlaskClient):
    """``FlaskClient`` that reads each response and closes it, as a WSGI server does.

    Werkzeug's test client leaves an unbuffered response open; for a ``send_file`` answer
    that leaks the file until garbage collection, and its ResourceWarning fails the run
    (pytest ``filterwarnings = error``).
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


class SameSiteClient(ClosingClient):
    """``FlaskClient`` whose requests carry ``Origin: <PUBLIC_BASE_URL>`` unless a test says otherwise."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        public = self.application.extensions["erp_panel"].settings.public_base_url
        self.environ_base["HTTP_ORIGIN"] = public.rstrip("/")


def browser_like(application):
    """Make ``application.test_client()`` a SameSiteClient; returns the app."""
    application.test_client_class = SameSiteClient
    return application


def csrf_token_in(page) -> str:
    """The CSRF token of the first form on a rendered page (a test response)."""
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit_form(client, path: str, data: dict, **kwargs):
    """Open the page at ``path`` and post its form back with ``data`` and the page's CSRF token."""
    token = csrf_token_in(client.get(path))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
