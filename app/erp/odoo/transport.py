"""Odoo transports: JSON-2 (Odoo 19+) and JSON-RPC (all versions), behind one ``call``.

Reference: https://www.odoo.com/documentation/19.0/developer/reference/external_api.html and
``JsonRPCDispatcher`` / ``serialize_exception`` in https://github.com/odoo/odoo/blob/18.0/odoo/http.py.

* JSON-2: ``POST /json/2/<model>/<method>``, ``Authorization: bearer <api key>``, body of
  **named** arguments plus ``ids`` and ``context``; success is the bare JSON value; errors
  are 4xx/5xx with ``{"name", "message", "arguments", "context", "debug"}``.
* JSON-RPC: ``POST /jsonrpc`` ``execute_kw(db, uid, key, model, method, args, kwargs)``;
  errors arrive with **HTTP 200** and ``error.data.name`` - parsed inside the retry loop.
* auto: one probe ``res.users/context_get`` over JSON-2; an HTML 404 (no such route, Odoo <= 18)
  switches to JSON-RPC for the life of the connector.
"""
from __future__ import annotations

import itertools
import re
from typing import Any

import requests

from app.errors import (
    ERP,
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.net.vendor import VendorAnswer, VendorTable, json_object, plain_answer, redact
from app.net.vendor_http import VendorHTTP

#: exception name (``error.data.name`` / JSON-2 ``name``) -> (class, reason)
_ODOO_ERRORS: dict[str, tuple[type[UpstreamError], str]] = {
    "odoo.exceptions.AccessDenied": (UpstreamAuthFailed, "erp_auth_failed"),
    "werkzeug.exceptions.Unauthorized": (UpstreamAuthFailed, "erp_auth_failed"),
    "odoo.http.SessionExpiredException": (UpstreamAuthFailed, "erp_auth_failed"),
    "odoo.exceptions.AccessError": (UpstreamAuthFailed, "erp_permission_denied"),
    "werkzeug.exceptions.Forbidden": (UpstreamAuthFailed, "erp_permission_denied"),
    "odoo.exceptions.MissingError": (UpstreamNotFound, "erp_not_found"),
    "werkzeug.exceptions.NotFound": (UpstreamNotFound, "erp_not_found"),
    "odoo.exceptions.UserError": (UpstreamRejected, "erp_rejected"),
    "odoo.exceptions.ValidationError": (UpstreamRejected, "erp_rejected"),
    "odoo.exceptions.RedirectWarning": (UpstreamRejected, "erp_rejected"),
    "werkzeug.exceptions.UnprocessableEntity": (UpstreamRejected, "erp_bad_arguments"),
    # Transient conflicts: the same call succeeds when repeated. Odoo retries these itself
    # (``retrying`` in odoo/service/model.py, up to 5 tries on PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
    # = LockNotAvailable, SerializationFailure, DeadlockDetected, and on ConcurrencyError) and lets
    # them reach the caller only when its tries ran out; LockError ("records could not be locked",
    # a UserError with http_status 409) is raised by record locking. Serialised names are
    # module + class (``serialize_exception`` in odoo/http.py).
    # https://github.com/odoo/odoo/blob/18.0/odoo/service/model.py
    # https://github.com/odoo/odoo/blob/18.0/odoo/exceptions.py
    "odoo.exceptions.LockError": (UpstreamUnavailable, "erp_concurrent_update"),
    "odoo.exceptions.ConcurrencyError": (UpstreamUnavailable, "erp_concurrent_update"),
    "psycopg2.errors.SerializationFailure": (UpstreamUnavailable, "erp_concurrent_update"),
    "psycopg2.errors.DeadlockDetected": (UpstreamUnavailable, "erp_concurrent_update"),
    "psycopg2.errors.LockNotAvailable": (UpstreamUnavailable, "erp_concurrent_update"),
    # psycopg2 < 2.8 reports both rollback kinds under their common base class
    "psycopg2.extensions.TransactionRollbackError": (UpstreamUnavailable, "erp_concurrent_update"),
    "psycopg2.OperationalError": (UpstreamUnavailable, "erp_unavailable"),
}
#: PostgreSQL's "database ... does not exist" (a connection failure psycopg2 raises as OperationalError):
#: the configured database name is wrong - a setting to fix, not an outage to wait out
_NO_DATABASE = re.compile(r'database "([^"]*)" does not exist')
#: PostgreSQL conflict messages (lock_not_available, deadlock_detected, serialization_failure) that
#: older psycopg2 versions raise as a plain OperationalError
_CONFLICT_MESSAGES = ("could not obtain lock", "deadlock detected", "could not serialize access")


#: BaseModel._read / write refuse an unknown field name: ValueError("Invalid field %r on model %r")
#: (https://github.com/odoo/odoo/blob/18.0/odoo/models.py) - the field was renamed or removed
_INVALID_FIELD = re.compile(r"Invalid field '([^']+)' on model '([^']+)'")


def missing_field(name: str | None, message: str) -> tuple[str, str] | None:
    """(model, field) when Odoo refused a field name the request asked for."""
    found = _INVALID_FIELD.search(message) if name in ("builtins.ValueError", "ValueError") else None
    return (found.group(2), found.group(1)) if found else None


def classify(name: str | None, message: str = "") -> tuple[type[UpstreamError] | None, str | None]:
    """(error class, reason) for an Odoo exception name and message; (None, None) when unknown."""
    found = _ODOO_ERRORS.get(name or "")
    if name == "psycopg2.OperationalError":
        if _NO_DATABASE.search(message):
            return UpstreamMisconfigured, "erp_unknown_database"
        if any(text in message for text in _CONFLICT_MESSAGES):
            return UpstreamUnavailable, "erp_concurrent_update"
    return (found[0], found[1]) if found else (None, None)


def odoo_message(name: str | None, message: str) -> str:
    """The sentence to show: a missing database is named as the setting to fix."""
    missing = _NO_DATABASE.search(message) if name == "psycopg2.OperationalError" else None
    if missing:
        return f"this server has no database named '{missing.group(1)}'; check the Database setting"
    return message


def describe_json2_error(response: requests.Response) -> VendorAnswer:
    """JSON-2 error body -> message/name/class (non-JSON bodies: the HTTP status decides)."""
    body = json_object(response)
    if body is None:
        return plain_answer(response)
    name = body.get("name")
    message = str(body.get("message") or name or response.status_code)
    kind, reason = classify(name, message)
    return VendorAnswer(odoo_message(name, message), code=name, kind=kind, reason=reason,
                       missing_field=missing_field(name, message))


#: Odoo answers -> the shared error tree (JSON-2 error bodies; JSON-RPC errors come inside HTTP 200)
ODOO_JSON2 = VendorTable("Odoo", ERP, describe=describe_json2_error)
ODOO_JSONRPC = VendorTable("Odoo", ERP)


class OdooTransport:
    """Common interface: ``call(model, method, ids=, kwargs=, context=, safe=)``."""

    flavour = "?"

    def __init__(self, http: VendorHTTP):
        self.http = http

    def call(self, model: str, method: str, *, ids: list[int] | None = None, kwargs: dict[str, Any] | None = None,
             context: dict[str, Any] | None = None, safe: bool = False) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        self.http.close()


class Json2Transport(OdooTransport):
    """Odoo 19+ JSON-2 API; the bearer API key is set on the session by the factory."""

    flavour = "json2"

    def call(self, model, method, *, ids=None, kwargs=None, context=None, safe=False):
        body: dict[str, Any] = dict(kwargs or {})
        if ids is not None:
            body["ids"] = ids
        if context:
            body["context"] = context
        response = self.http.request("POST", f"json/2/{model}/{method}", json=body, safe=safe)
        return self.http.json(response)


class JsonRpcTransport(OdooTransport):
    """``/jsonrpc`` execute_kw with db/uid/API key (deprecated in 19, removal planned for Odoo 22)."""

    flavour = "jsonrpc"

    def __init__(self, http: VendorHTTP, *, database: str, login: str, api_key: str):
        super().__init__(http)
        self.database, self.login, self.api_key = database, login, api_key
        self._uid: int | None = None
        self._ids = itertools.count(1)

    def rpc(self, service: str, method: str, args: list[Any], *, safe: bool) -> Any:
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                   "params": {"service": service, "method": method, "args": args}}
        holder: dict[str, Any] = {}

        def check(response: requests.Response) -> None:
            body = self.http.json(response)
            if not isinstance(body, dict):
                raise UpstreamRejected("Odoo JSON-RPC answered with an unexpected body", side=ERP, reason="erp_bad_response")
            if "error" in body:
                raise self._error(body["error"], response.status_code)
            holder["result"] = body.get("result")

        self.http.request("POST", "jsonrpc", json=payload, safe=safe, check=check)
        return holder.get("result")

    def _error(self, error: dict[str, Any], status: int) -> UpstreamError:
        data = error.get("data") or {}
        name = data.get("name")
        raw = str(data.get("message") or error.get("message") or "server error")
        message = redact(f"Odoo: {odoo_message(name, raw)}", (self.api_key,))
        missing = missing_field(name, raw)
        if missing is not None:
            return MissingVendorField("Odoo", *missing, status=status)
        kind, reason = classify(name, raw)
        if kind is None:
            kind, reason = UpstreamRejected, "erp_server_error"
        return ODOO_JSONRPC.error(kind, message, status=status, reason=reason, code=name)

    def uid(self) -> int:
        """Log in once (common.login returns False, not an error, for bad credentials)."""
        if self._uid is None:
            uid = self.rpc("common", "login", [self.database, self.login, self.api_key], safe=True)
            if not uid:
                raise UpstreamAuthFailed("Odoo rejected the login or API key", side=ERP, reason="erp_auth_failed")
            self._uid = int(uid)
        return self._uid

    def call(self, model, method, *, ids=None, kwargs=None, context=None, safe=False):
        named = dict(kwargs or {})
        if context:
            named["context"] = context
        args = [ids] if ids is not None else []     # record ids travel as the first positional argument
        return self.rpc("object", "execute_kw",
                        [self.database, self.uid(), self.api_key, model, method, args, named], safe=safe)


class AutoTransport(OdooTransport):
    """JSON-2 when the server has it, else JSON-RPC; decided once by a probe."""

    def __init__(self, json2: Json2Transport, jsonrpc: JsonRpcTransport | None):
        super().__init__(json2.http)
        self.json2, self.jsonrpc = json2, jsonrpc
        self.chosen: OdooTransport | None = None

    @property
    def flavour(self) -> str:  # type: ignore[override]
        return self.chosen.flavour if self.chosen else "auto"

    def detect(self) -> OdooTransport:
        if self.chosen is None:
            try:
                self.json2.call("res.users", "context_get", safe=True)
                self.chosen = self.json2
            except UpstreamNotFound as exc:
                if exc.vendor_code:              # an Odoo error body: the route exists
                    raise
                if self.jsonrpc is None:
                    raise UpstreamMisconfigured("This Odoo server has no JSON-2 API (Odoo 18 or older): enter the "
                                        "database and login so JSON-RPC can be used", side=ERP) from None
                self.chosen = self.jsonrpc
        return self.chosen

    def call(self, model, method, **kwargs):
        return self.detect().call(model, method, **kwargs)

    def close(self) -> None:
        self.json2.close()
        if self.jsonrpc is not None:
            self.jsonrpc.close()
