"""A stateful fake Odoo server speaking JSON-2 (19+) and JSON-RPC, for `responses`.

Faithful to erp-contracts.md section 2: JSON-2 takes named arguments + ``ids``/``context``
and answers bare JSON, errors as 4xx/5xx ``{"name", "message", ...}``; JSON-RPC answers
``{"result": ...}`` and reports errors with **HTTP 200** and ``error.data.name``; servers
before 19 have no /json/2 route (an HTML 404); ``client_order_ref`` is not unique;
``create`` returns a list of ids and ``action_confirm`` is a separate transaction.

Transient conflicts are the exceptions Odoo's ``retrying`` (odoo/service/model.py) gives up on
after its own 5 tries - psycopg2's SerializationFailure / DeadlockDetected / LockNotAvailable
and odoo.exceptions.ConcurrencyError - plus odoo.exceptions.LockError (a UserError with
``http_status = 409``); their names are module + class as ``serialize_exception`` writes them.
A field removed by an upgrade answers like ``BaseModel._read``: ValueError "Invalid field ...".
"""
from __future__ import annotations

import re
from typing import Any

import responses

from app.erp.sandbox import SandboxERP
from tests.fakes.http_fake import FakeHTTP, SeenRequest, json_reply, text_reply
from tests.fakes.odoo_records import matches, seed_records

URL = "https://odoo.example.test"
DATABASE, LOGIN, API_KEY, UID = "acme", "api@example.com", "odoo-api-key-5d1e0c", 7


class OdooFault(Exception):
    def __init__(self, name: str, message: str, status: int):
        super().__init__(message)
        self.name, self.message, self.status = name, message, status


class FakeOdoo(FakeHTTP):
    def __init__(self, mock: responses.RequestsMock, clock, *, version: int = 19, url: str = URL):
        super().__init__()
        self.version, self.clock = version, clock
        self.seed = SandboxERP(clock=clock)
        self.db, self.stock = seed_records(self.seed)
        self.denied: set[str] = set()         # models the API user may not read (AccessError)
        self.removed: set[tuple[str, str]] = set()   # (model, field) an upgrade renamed or removed
        mock.add_callback(responses.POST, re.compile(re.escape(url) + r"/json/2/.*"), callback=self.handler(self.json2))
        mock.add_callback(responses.POST, url + "/jsonrpc", callback=self.handler(self.jsonrpc))

    def orders_for(self, ref: str) -> list[dict]:
        return [o for o in self.db["sale.order"] if o["client_order_ref"] == ref and o["state"] != "cancel"]

    def route_key(self, seen: SeenRequest) -> str:
        if seen.path == "/jsonrpc" and isinstance(seen.body, dict):
            args = seen.body.get("params", {}).get("args", [])
            return f"POST /jsonrpc {args[3]}/{args[4]}" if len(args) > 4 else "POST /jsonrpc common"
        return f"{seen.method} {seen.path}"

    def leave_draft(self, ref: str) -> None:
        """An earlier attempt (or a person) created the order but did not confirm it."""
        partner = self.db["res.partner"][0]
        product = self.db["product.product"][0]
        self.create_order({"partner_id": partner["id"], "client_order_ref": ref, "order_line": [
            [0, 0, {"product_id": product["id"], "product_uom_qty": 1.0, "price_unit": 10.0}]]})

    # -- faults ---------------------------------------------------------------------
    _FAULTS = {"auth": ("odoo.exceptions.AccessDenied", "Access Denied", 401),
               "forbidden": ("odoo.exceptions.AccessError", "You are not allowed to access this document", 403),
               "validation": ("odoo.exceptions.UserError", "The order has no lines to confirm", 422),
               # transient conflicts (see the module docstring); the PostgreSQL texts are the server's own
               "lock_error": ("odoo.exceptions.LockError", "Some records could not be locked; they are being "
                              "changed by another transaction.", 409),
               "concurrency": ("odoo.exceptions.ConcurrencyError", "Concurrent update of sale.order", 500),
               "serialization": ("psycopg2.errors.SerializationFailure",
                                 "could not serialize access due to concurrent update", 500),
               "deadlock": ("psycopg2.errors.DeadlockDetected", "deadlock detected", 500),
               "lock_not_available": ("psycopg2.errors.LockNotAvailable",
                                      'could not obtain lock on row in relation "sale_order"', 500)}
    CONFLICTS = ("lock_error", "concurrency", "serialization", "deadlock", "lock_not_available")

    def vendor_fault(self, kind: str):
        if kind == "rate_limited":       # a proxy in front of Odoo (Odoo itself documents no limiter)
            return text_reply(429, "Too Many Requests", {"Retry-After": "2"})
        if kind == "unavailable":
            return text_reply(503, "<html><body>503 Service Unavailable</body></html>")
        name, message, status = self._FAULTS[kind]
        return self._current_error(OdooFault(name, message, status))

    def _current_error(self, fault: OdooFault):
        if self.seen and self.seen[-1].path == "/jsonrpc":
            return self._rpc_error(fault, self.seen[-1].body)
        return json_reply(fault.status, {"name": fault.name, "message": fault.message, "arguments": [fault.message],
                                         "context": {}, "debug": "Traceback (most recent call last): ..."})

    @staticmethod
    def _rpc_error(fault: OdooFault, body: Any):
        return json_reply(200, {"jsonrpc": "2.0", "id": (body or {}).get("id"), "error": {
            "code": 200, "message": "Odoo Server Error",
            "data": {"name": fault.name, "message": fault.message, "arguments": [fault.message], "context": {},
                     "debug": "Traceback (most recent call last): ..."}}})

    # -- transports -----------------------------------------------------------------
    def json2(self, req: SeenRequest):
        if self.version < 19:
            return text_reply(404, "<html><title>404 | Page not found</title></html>")
        if req.headers.get("Authorization") != f"bearer {API_KEY}":
            return self._current_error(OdooFault("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401))
        model, method = req.path.split("/")[3:5]
        body = dict(req.body or {})
        ids, context = body.pop("ids", None), body.pop("context", None) or {}
        try:
            return json_reply(200, self.execute(model, method, ids, body, context))
        except OdooFault as fault:
            return self._current_error(fault)

    def jsonrpc(self, req: SeenRequest):
        params = (req.body or {}).get("params", {})
        service, method, args = params.get("service"), params.get("method"), params.get("args", [])
        try:
            if service == "common" and method in ("login", "authenticate") and args[0] != DATABASE:
                raise OdooFault("psycopg2.OperationalError",
                                f'connection failed: FATAL:  database "{args[0]}" does not exist', 200)
            if service == "common" and method in ("login", "authenticate"):
                result: Any = UID if args[:3] == [DATABASE, LOGIN, API_KEY] else False
            elif service == "common" and method == "version":
                result = {"server_version": f"{self.version}.0"}
            elif service == "object" and method == "execute_kw":
                db, uid, key, model, meth, positional, named = args
                if (db, uid, key) != (DATABASE, UID, API_KEY):
                    raise OdooFault("odoo.exceptions.AccessDenied", "Access Denied", 200)
                named = dict(named or {})
                context = named.pop("context", None) or {}
                result = self.execute(model, meth, positional[0] if positional else None, named, context)
            else:
                raise OdooFault("werkzeug.exceptions.NotFound", "404: Not Found", 200)
        except OdooFault as fault:
            return self._rpc_error(fault, req.body)
        return json_reply(200, {"jsonrpc": "2.0", "id": req.body.get("id"), "result": result})

    # -- the ORM --------------------------------------------------------------------
    def execute(self, model: str, method: str, ids, kwargs: dict, context: dict) -> Any:
        if method.startswith("_"):
            raise OdooFault("odoo.exceptions.AccessError",
                            f"Private methods (such as '{model}.{method}') cannot be called remotely.", 403)
        if model in self.denied:
            raise OdooFault("odoo.exceptions.AccessError", f"You are not allowed to access '{model}' records.", 403)
        if (model, method) == ("res.users", "context_get"):
            return {"lang": "en_US", "tz": "Europe/Berlin", "uid": UID}
        if method == "search_read":
            return self.search_read(model, kwargs, context)
        if method == "read":
            return self.read(model, ids, kwargs.get("fields"), context)
        if (model, method) == ("sale.order", "create"):
            return [self.create_order(vals) for vals in kwargs["vals_list"]]
        if (model, method) == ("sale.order", "action_confirm"):
            return self.confirm(ids)
        if (model, method) == ("sale.order", "action_cancel"):
            return self.cancel(ids)
        raise OdooFault("werkzeug.exceptions.NotFound", f"Method {model}.{method} not found", 404)

    def search_read(self, model: str, kwargs: dict, context: dict) -> list[dict]:
        unknown = set(kwargs) - {"domain", "fields", "offset", "limit", "order"}
        if unknown:
            raise OdooFault("werkzeug.exceptions.UnprocessableEntity", f"unexpected arguments {sorted(unknown)}", 422)
        domain = [leaf if isinstance(leaf, str) else tuple(leaf) for leaf in kwargs.get("domain") or []]
        rows = [r for r in self.db.get(model, []) if matches(r, domain)]
        if context.get("active_test", True) and not any(leaf[0] == "active" for leaf in domain
                                                        if not isinstance(leaf, str)):
            rows = [r for r in rows if r.get("active", True)]
        for part in reversed((kwargs.get("order") or "id asc").split(",")):
            field, _, direction = part.strip().partition(" ")
            rows.sort(key=lambda r: r.get(field) or "", reverse=direction.strip() == "desc")
        offset, limit = int(kwargs.get("offset") or 0), kwargs.get("limit")
        rows = rows[offset:offset + limit] if limit else rows[offset:]
        fields = kwargs.get("fields") or []
        return [{"id": r["id"], **{f: self._field(model, r, f, context) for f in fields}} for r in rows]

    def read(self, model: str, ids, fields, context: dict) -> list[dict]:
        rows = [r for r in self.db.get(model, []) if r["id"] in (ids or [])]
        if len(rows) != len(set(ids or [])):
            raise OdooFault("odoo.exceptions.MissingError", "Record does not exist or has been deleted.", 404)
        return [{"id": r["id"], **{f: self._field(model, r, f, context) for f in fields or []}} for r in rows]

    def _field(self, model: str, row: dict, field: str, context: dict) -> Any:
        if (model, field) in self.removed:
            raise OdooFault("builtins.ValueError", f"Invalid field {field!r} on model {model!r}", 422)
        if model == "product.product" and field in ("qty_available", "free_qty", "virtual_available"):
            warehouse = context.get("warehouse_id") if self.version >= 17 else context.get("warehouse")
            keys = [k for k in self.stock if k[0] == row["id"] and warehouse in (None, k[1])]
            on_hand = sum(self.stock[k][0] for k in keys)
            reserved = sum(self.stock[k][1] for k in keys)
            return float(on_hand - reserved if field == "free_qty" else on_hand)
        if field not in row and field != "id":
            raise OdooFault("builtins.ValueError", f"Invalid field {field!r} on model {model!r}", 422)
        return row.get(field)

    def create_order(self, vals: dict) -> int:
        partner = next((p for p in self.db["res.partner"] if p["id"] == vals.get("partner_id")), None)
        if partner is None:
            raise OdooFault("odoo.exceptions.ValidationError", "The partner does not exist", 422)
        products = {p["id"]: p for p in self.db["product.product"]}
        total = 0.0
        for command in vals.get("order_line") or []:
            line = command[2]
            if command[0] != 0 or line.get("product_id") not in products:
                raise OdooFault("odoo.exceptions.ValidationError", "Invalid order line", 422)
            total += line["product_uom_qty"] * line["price_unit"] * (1 - line.get("discount", 0) / 100)
        pricelist = next((p for p in self.db["product.pricelist"] if p["id"] == vals.get("pricelist_id")), None)
        order_id = 700 + len(self.db["sale.order"])
        self.db["sale.order"].append({
            "id": order_id, "name": f"S{order_id:05d}", "state": "draft", "partner_id": [partner["id"], partner["name"]],
            "client_order_ref": vals.get("client_order_ref") or False, "amount_total": round(total, 2),
            "currency_id": (pricelist or {}).get("currency_id", False), "order_line": vals.get("order_line"),
            "delivery_status": "pending", "invoice_status": "no", "invoice_ids": []})
        lines = self.db.setdefault("sale.order.line", [])
        for command in vals.get("order_line") or []:
            lines.append({"id": 9000 + len(lines), "order_id": [order_id, f"S{order_id:05d}"],
                          "product_uom_qty": command[2]["product_uom_qty"], "qty_delivered": 0.0})
        return order_id

    def advance(self, ref: str, step: str) -> None:
        """What people do in Odoo after confirming: validate a delivery (``deliver``), post an invoice
        (``invoice``), register its payment (``pay``) or cancel (``action_cancel``)."""
        order = self.orders_for(ref)[0]
        lines = [ln for ln in self.db["sale.order.line"] if ln["order_id"][0] == order["id"]]
        if step == "cancel":
            order["state"] = "cancel"
        elif step in ("deliver", "deliver_part"):
            for line in lines:
                line["qty_delivered"] = line["product_uom_qty"] if step == "deliver" else line["product_uom_qty"] / 2
            order["delivery_status"] = "full" if step == "deliver" else "partial"
            order["invoice_status"] = "to invoice"
        elif step == "invoice":
            move_id = 6000 + len(self.db["account.move"])
            self.db["account.move"].append({
                "id": move_id, "name": f"INV/2026/{move_id:05d}", "partner_id": order["partner_id"],
                "move_type": "out_invoice", "state": "posted", "amount_total": order["amount_total"],
                "amount_residual": order["amount_total"], "payment_state": "not_paid",
                "invoice_date": self.clock.now().date().isoformat(),
                "invoice_date_due": self.clock.now().date().isoformat(), "currency_id": order["currency_id"]})
            order.update(invoice_ids=[*order["invoice_ids"], move_id], invoice_status="invoiced")
        elif step == "pay":
            for move in self.db["account.move"]:
                if move["id"] in order["invoice_ids"]:
                    move.update(amount_residual=0.0, payment_state="paid")

    def cancel(self, ids) -> bool:
        for order in self.db["sale.order"]:
            if order["id"] in ids:
                order["state"] = "cancel"
        return True

    def confirm(self, ids) -> bool:
        for order in self.db["sale.order"]:
            if order["id"] in ids:
                if order["state"] not in ("draft", "sent"):
                    raise OdooFault("odoo.exceptions.UserError",
                                    "Some orders are not in a state requiring confirmation.", 422)
                order["state"] = "sale"
        return True
