"""Serves the static widgets with CSP frame-ancestors limited to the CRM origins."""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, send_from_directory

from app.web.context import services
from app.web.security import allow_framing

WIDGETS_DIR = os.environ.get("ERP_PANEL_WIDGETS_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "widgets")

bp = Blueprint("widgets", __name__)

#: widget directories served in every mode; the demo CRM's host-page assets only in demo mode
_SERVED = {"account-panel"}
_DEMO_ONLY = {"demo-crm"}


def frame_origins() -> list[str]:
    """CSP frame-ancestors of the account widget: the CRM origins, plus this site only for the demo host page.

    Production never runs the demo (configuration refuses it), so 'self' never appears there.
    """
    settings = services().settings
    origins = list(settings.frame_origins)
    if settings.demo_enabled and not settings.is_production:
        origins.insert(0, "'self'")
    return origins


@bp.get("/widgets/<string:widget>/")
@bp.get("/widgets/<string:widget>/<path:filename>")
def widget_file(widget: str, filename: str = "index.html") -> Response:
    """Static widget files; the CRM passes its signed context in the query string."""
    if widget not in _SERVED and not (widget in _DEMO_ONLY and services().settings.demo_enabled):
        abort(404)
    if widget == "account-panel":
        allow_framing(frame_origins())
    response = send_from_directory(os.path.join(WIDGETS_DIR, widget), filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
