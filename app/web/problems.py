"""RFC 9457 problem+json for every API error, with a stable ``reason`` code."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import Flask, Response, json, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from app.errors import AppError
from app.ops.metrics import INBOUND_AUTH_FAILURES
from app.web.openapi_doc import OperationIdPlugin

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("erp_panel.web")

PROBLEM_TYPE_BASE = "https://erp-panel.dev/problems/"

_REASONS_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                      405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                      415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
                      500: "internal_error", 503: "service_unavailable"}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation schema for every error response).

    Extension members are allowed (RFC 9457 section 3.2), e.g. ``reasons`` per field.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "Stable machine-readable reason code"})
    errors = ma.fields.Dict(metadata={"description": "Field errors for validation problems"})


def problem_response(status: int, reason: str, title: str, detail: str, *, errors: Any = None,
                     headers: dict | None = None, extra: dict | None = None) -> Response:
    """Build a problem+json response."""
    body = {"type": PROBLEM_TYPE_BASE + reason, "title": title, "status": status, "detail": detail,
            "instance": request.path if request else "", "reason": reason}
    if errors:
        body["errors"] = errors
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


PROBLEM_CONTENT_TYPE = "application/problem+json"


def alt_problem(blp: Blueprint, status: int, description: str) -> Callable[[F], F]:
    """Document an error response of a view as problem+json (decorator)."""
    return blp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE,
                            description=description)


class ProblemApi(Api):
    """flask-smorest Api whose errors are problem+json (also in the generated OpenAPI document)."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE: str      # flask-smorest's (untyped) class attribute, swapped below

    def _init_spec(self, *, extra_plugins=None, **options):
        # Every operation gets its operationId from one rule (app.web.openapi_doc.operation_id).
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), OperationIdPlugin()], **options)

    def _register_pagination_header(self):
        """Not registered: no view uses flask-smorest pagination, and its schema would sit unused in the spec."""

    def _register_responses(self):
        default_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_CONTENT_TYPE
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default_type

    def handle_http_exception(self, error: HTTPException) -> Response:
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        status = error.code or 500
        reason = data.get("reason") or _REASONS_BY_STATUS.get(status, "http_error")
        detail = data.get("message") or error.description or error.name
        if status == 422 and errors:
            detail = "Some fields are missing or invalid; see 'errors'."
        return problem_response(status, reason, error.name, detail, errors=errors, headers=data.get("headers"))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> Response:
        if exc.status == 401:
            # a signature, JWT or token that did not verify (reason codes are constants: a bounded label)
            INBOUND_AUTH_FAILURES.labels(exc.reason).inc()
        return problem_response(exc.status, exc.reason, exc.title, exc.detail, headers=exc.headers,
                                extra=exc.extra)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return app.extensions["erp_panel_api"].handle_http_exception(exc)
        # Log type and location only: messages can contain vendor payloads.
        log.exception("unhandled error on %s %s: %s", request.method, request.path, type(exc).__name__)
        return problem_response(500, "internal_error", "Internal error",
                                "Something went wrong on our side; it has been logged.")
