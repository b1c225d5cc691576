"""Serves the static widgets with CSP frame-ancestors limited to the CRM origins.

The account widget's scripts and stylesheet are fingerprinted, compressed and cached for a year
(``app.web.widget_assets``); its index.html is revalidated on every load and names them.
"""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, request, send_from_directory
from werkzeug.wrappers import Response as BaseResponse

from app.web.context import services
from app.web.security import allow_framing
from app.web.widget_assets import IMMUTABLE, WidgetAssets, accepts_gzip

WIDGETS_DIR = os.environ.get("ERP_PANEL_WIDGETS_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "widgets")

bp = Blueprint("widgets", __name__)

#: widget directories served in every mode; the demo CRM's host-page assets only in demo mode
_SERVED = {"account-panel"}
_DEMO_ONLY = {"demo-crm"}
#: widgets whose index.html names fingerprinted assets
_FINGERPRINTED = {"account-panel"}
ASSETS = WidgetAssets(WIDGETS_DIR)


def frame_origins() -> list[str]:
    """CSP frame-ancestors of the account widget: the CRM origins, plus this site only for the demo host page.

    Production never runs the demo (configuration refuses it), so 'self' never appears there.
    """
    settings = services().settings
    origins = list(settings.frame_origins)
    if settings.demo_enabled and not settings.is_production:
        origins.insert(0, "'self'")
    return origins


def _bytes(body: bytes, gzipped: bytes, mimetype: str, cache_control: str) -> Response:
    """The body, gzip-compressed when the browser accepts it (``Vary: Accept-Encoding`` either way)."""
    compress = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    response = Response(gzipped if compress else body, mimetype=mimetype)
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/widgets/<string:widget>/")
@bp.get("/widgets/<string:widget>/<path:filename>")
def widget_file(widget: str, filename: str = "index.html") -> BaseResponse:
    """Static widget files; the CRM passes its signed context in the query string."""
    if widget not in _SERVED and not (widget in _DEMO_ONLY and services().settings.demo_enabled):
        abort(404)
    if widget == "account-panel":
        allow_framing(frame_origins())
    if widget in _FINGERPRINTED:
        if filename == "index.html":
            body, gzipped = ASSETS.index(widget)
            response = _bytes(body, gzipped, "text/html", "no-cache")
            response.add_etag()
            return response.make_conditional(request)
        asset = ASSETS.asset(widget, filename)
        if asset is not None:
            return _bytes(asset.body, asset.gzipped, asset.mimetype, IMMUTABLE)
    response = send_from_directory(os.path.join(WIDGETS_DIR, widget), filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
