"""Security headers on every response.

Widget pages may be framed only by the configured CRM origins (CSP
frame-ancestors; X-Frame-Options is obsolete and not sent for them); everything
else is not frameable at all.
"""
from __future__ import annotations

from flask import Flask, g, request

HSTS = "max-age=31536000; includeSubDomains"


def allow_framing(origins: list[str]) -> None:
    """Mark the current response as a widget page framable by these origins."""
    g.frame_ancestors = [o for o in origins if o and o != "*"]


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        origins = getattr(g, "frame_ancestors", None)
        if origins:
            csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                   f"frame-ancestors {' '.join(origins)}")
        else:
            csp = getattr(g, "csp", None) or ("default-src 'self'; object-src 'none'; base-uri 'none'; "
                                              "frame-ancestors 'none'")
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["Content-Security-Policy"] = csp
        response.headers["Strict-Transport-Security"] = HSTS
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
