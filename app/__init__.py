"""erp-panel: live ERP facts inside the CRM; closed-won deals become ERP orders exactly once."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Flask

from app.clock import Clock
from app.config import Settings, load_settings

if TYPE_CHECKING:
    from app.erp.sandbox import SandboxFaults

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | Settings | None = None, *, clock: Clock | None = None,
               sandbox_faults: SandboxFaults | None = None) -> Flask:
    """Application factory.

    ``config`` is either a Settings object or a dict of overrides applied on top
    of the environment (tests pass e.g. ``{"database_url": "sqlite:///..."}``).
    """
    from app.logging_setup import configure_logging
    from app.services import build_services
    from app.storage.schema import upgrade
    from app.web.body_guard import register_body_guard
    from app.web.openapi_doc import spec_options
    from app.web.problems import ProblemApi, register_error_handlers
    from app.web.routes import register_blueprints
    from app.web.security import register_security_headers

    settings = config if isinstance(config, Settings) else load_settings(**(config or {}))
    configure_logging(settings)
    app = Flask(__name__, instance_path=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        API_TITLE="erp-panel API",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS=spec_options(),
    )
    services = build_services(settings, clock=clock, sandbox_faults=sandbox_faults)
    upgrade(services.db)
    app.extensions["erp_panel"] = services
    api = ProblemApi(app)
    app.extensions["erp_panel_api"] = api
    register_error_handlers(app)
    register_security_headers(app)
    register_body_guard(app)
    register_blueprints(app, api, services)
    logging.getLogger("erp_panel").debug("app created (env=%s, db=%s)", settings.env, services.db.dialect)
    return app
