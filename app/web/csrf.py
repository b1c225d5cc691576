"""One CSRF rule for every state-changing request that a browser's admin session cookie authenticates.

A write (any method but GET/HEAD/OPTIONS) authenticated by the ``__Host-`` admin cookie must

* say where it comes from, and that must be this site: ``Origin`` (or, when a browser leaves it
  out, the origin of ``Referer``) equal to PUBLIC_BASE_URL's origin or the origin the request
  was addressed to; a request with neither header is refused (OWASP CSRF cheat sheet, "Verifying
  origin with standard headers": https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html);
  ``Sec-Fetch-Site: cross-site``/``same-site`` is refused too;
* carry this session's CSRF token: the ``csrf_token`` form field or the ``X-CSRF-Token`` header
  (an HMAC of the session token, compared in constant time).

Callers that authenticate with ``Authorization: Bearer`` use no cookie, so a browser cannot be
tricked into sending their credential, and they need neither.

Where it is enforced: every blueprint serving admin routes is declared with
``protect_admin_blueprint`` (the check runs before any argument parsing or view code), and
``app.web.admin.auth`` runs the same ``guard_cookie_write`` wherever it takes the session from
the cookie, so an admin route in any other blueprint cannot skip it. Cookie-free demo forms use
``require_same_origin`` alone.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, request

from app.auth.admin import COOKIE_NAME
from app.errors import Forbidden
from app.storage.crypto import derive_key
from app.web.context import presented_bearer, services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_DEFAULT_PORTS = {"http": "80", "https": "443"}

CSRF_FAILED = ("This form could not be accepted because it did not come from an open settings page of "
               "this site. Reload the settings page and try again.")
ORIGIN_MISSING = ("This request did not say which site it came from (no Origin or Referer header), so it "
                  "was refused. Send it from this site's own pages.")
CROSS_SITE = "This request came from another site, so it was refused. Send it from this site's own pages."


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-case, default port dropped ("" when it has none)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return ""
    netloc = parts.hostname
    if port is not None and str(port) != _DEFAULT_PORTS[parts.scheme]:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


def _own_origins() -> set[str]:
    return {o for o in (origin_of(services().settings.public_base_url), origin_of(request.host_url)) if o}


def require_same_origin() -> None:
    """Refuse a request that does not provably come from this site (raises Forbidden)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in ("same-origin", "none"):
        raise Forbidden(CROSS_SITE, reason="cross_site")
    claimed = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not claimed:
        raise Forbidden(ORIGIN_MISSING, reason="origin_missing")
    if origin_of(claimed) not in _own_origins():
        raise Forbidden(CROSS_SITE, reason="cross_origin")


def csrf_token() -> str:
    """The CSRF token for the current request's admin session ("" when there is no session cookie)."""
    session = request.cookies.get(COOKIE_NAME, "")
    if not session:
        return ""
    key = derive_key(services().settings.secret_key, "admin-csrf")
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()


def protect_cookie_write() -> None:
    """For a cookie-authenticated write: same origin and this session's CSRF token, else Forbidden."""
    if request.method in SAFE_METHODS:
        return
    require_same_origin()
    expected = csrf_token()
    submitted = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise Forbidden(CSRF_FAILED, reason="csrf_failed")


def guard_cookie_write() -> None:
    """Apply ``protect_cookie_write`` when the admin cookie (not a Bearer credential) authenticates the request."""
    if request.cookies.get(COOKIE_NAME) and not presented_bearer():
        protect_cookie_write()


BlueprintT = TypeVar("BlueprintT", bound=Blueprint)

#: names of the blueprints declared with ``protect_admin_blueprint`` (the security tests enumerate their routes)
ADMIN_BLUEPRINTS: set[str] = set()


def protect_admin_blueprint(blueprint: BlueprintT) -> BlueprintT:
    """Declare a blueprint as serving admin routes: its cookie-authenticated writes pass the CSRF rule first."""
    ADMIN_BLUEPRINTS.add(blueprint.name)
    blueprint.before_request(guard_cookie_write)
    return blueprint
