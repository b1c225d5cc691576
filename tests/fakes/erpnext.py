"""A stateful fake ERPNext site (Frappe REST API) for `responses`.

Payload shapes follow /work/shared/reference/erp-contracts.md section 1: ``{"data": ...}`` for
/api/resource, ``{"message": ...}`` for /api/method, error bodies with ``exc_type`` and the
double-encoded ``_server_messages``, plain-text 429 from the global limiter, default page
size 20, ``po_no`` NOT unique. A field the API user may not read (field-level permissions,
``permlevel``) is silently left out of documents and list rows, as Frappe's
``apply_fieldlevel_read_permissions`` does; a save of a document that changed since it was
read fails with TimestampMismatchError (417) from ``check_if_latest``. Data is seeded from the sandbox catalogue so every connector
in the contract suite can be compared with the same expected values.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import responses

from app.erp.sandbox import SandboxERP
from tests.fakes.frappe_query import apply_list_query
from tests.fakes.http_fake import FakeHTTP, SeenRequest, json_reply, text_reply

URL = "https://erp.example.test"
COMPANY = "Acme Ltd"
API_KEY, API_SECRET = "fake-api-key-7f3a", "fake-api-secret-91c2"


def frappe_error(status: int, exc_type: str, message: str, title: str = "Error") -> tuple:
    """A v1 error body as frappe/utils/response.py builds it (messages double-encoded)."""
    inner = json.dumps({"message": message, "title": title, "indicator": "red", "raise_exception": 1})
    return json_reply(status, {"exc_type": exc_type, "exception": f"frappe.exceptions.{exc_type}: {message}",
                               "exc": json.dumps(["Traceback (most recent call last): ..."]),
                               "_server_messages": json.dumps([inner])})


class FakeERPNext(FakeHTTP):
    """In-memory ERPNext: customers, items, bins, invoices from the sandbox seed; orders created live."""

    def __init__(self, mock: responses.RequestsMock, clock, *, version: int = 15, url: str = URL,
                 unique_field: str | None = None):
        super().__init__()
        self.url, self.version, self.unique_field = url, version, unique_field
        self.seed = SandboxERP(clock=clock)
        self.clock = clock
        self.denied: set[str] = set()          # doctypes the API user may not read (403)
        self.hidden: set[tuple[str, str]] = set()   # (doctype, field) hidden from the API user (permlevel)
        self.reject_orders: str | None = None  # e.g. a credit-limit message for every new order
        #: Stock Settings / Item Defaults warehouse ERPNext fills into rows that name none (None: no default)
        self.default_warehouse: str | None = "Main – Berlin"
        self.docs: dict[str, list[dict[str, Any]]] = {"Sales Order": []}
        self._seed_docs()
        mock.add_callback(responses.GET, re.compile(re.escape(url) + r"/api/.*"), callback=self.handler(self.route))
        for method in (responses.POST, responses.PUT):
            mock.add_callback(method, re.compile(re.escape(url) + r"/api/.*"), callback=self.handler(self.route))

    # -- seed ---------------------------------------------------------------------
    def _seed_docs(self) -> None:
        self.docs["Company"] = [{"name": COMPANY, "default_currency": "EUR"}]
        self.docs["Customer"] = [{
            "name": c.id, "customer_name": c.name, "default_currency": c.currency,
            "default_price_list": c.price_list, "disabled": int(c.disabled),
            "is_frozen": int(c.hold_reason == "credit_hold"), "tax_id": c.tax_id or None,
            "email_id": c.email or None, "mobile_no": c.phone or None, "website": None,
            "primary_address": f"{c.address}<br>{c.postal_code} {c.city}<br>{c.country}" if c.city else None,
            "credit_limits": [] if c.credit_limit is None else [
                {"company": COMPANY, "credit_limit": float(c.credit_limit), "bypass_credit_limit_check": 0}],
        } for c in self.seed.customers.values()]
        self.docs["Item"] = [{"name": i.code, "item_code": i.code, "item_name": i.name, "stock_uom": i.uom,
                              "is_stock_item": 1, "is_sales_item": 1, "disabled": 0}
                             for i in self.seed.items.values()]
        self.docs["Bin"] = [{"name": f"BIN-{n:05d}", "item_code": code, "warehouse": wh,
                             "actual_qty": float(on_hand), "reserved_qty": float(reserved),
                             "projected_qty": float(on_hand - reserved), "stock_uom": self.seed.items[code].uom}
                            for n, ((code, wh), (on_hand, reserved)) in enumerate(sorted(self.seed._stock.items()))]
        self.docs["Sales Invoice"] = [{
            "name": inv.number, "customer": inv.customer_id, "company": COMPANY,
            "posting_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
            "currency": inv.currency, "grand_total": float(inv.total), "outstanding_amount": float(inv.outstanding),
            # the daily status job has not run: status lags (never "Overdue") - connectors must use due_date
            "status": "Paid" if inv.outstanding <= 0 else ("Partly Paid" if inv.outstanding < inv.total else "Unpaid"),
            "docstatus": 1, "is_return": 0,
        } for inv in self.seed._invoices_today()]

    def customer(self, name: str) -> dict | None:
        return next((c for c in self.docs["Customer"] if c["name"] == name), None)

    def orders_for(self, ref: str) -> list[dict]:
        return [o for o in self.docs["Sales Order"] if o.get("po_no") == ref and o["docstatus"] < 2]

    # -- routing ------------------------------------------------------------------
    def leave_draft(self, ref: str) -> None:
        """An earlier attempt (or a person) saved the order as a draft without submitting it."""
        customer = self.docs["Customer"][0]
        self.docs["Sales Order"].append({
            "name": f"SAL-ORD-2026-{len(self.docs['Sales Order']) + 1:05d}", "customer": customer["name"],
            "po_no": ref, "docstatus": 0, "status": "Draft", "grand_total": 10.0, "per_delivered": 0.0,
            "per_billed": 0.0, "total_qty": 1.0,
            "currency": customer["default_currency"], "items": [{"item_code": self.docs["Item"][0]["name"],
                                                                 "qty": 1.0, "rate": 10.0}],
            "creation": self.clock.now().isoformat()})

    def _visible(self, doctype: str, doc: dict) -> dict:
        return {k: v for k, v in doc.items() if (doctype, k) not in self.hidden}

    def vendor_fault(self, kind: str):
        if kind == "timestamp_mismatch":
            now = self.clock.now().isoformat(sep=" ")
            return frappe_error(417, "TimestampMismatchError", "Error: Document has been modified after you have "
                                f"opened it ({now}, {now}). Please refresh to get the latest document.")
        if kind == "rate_limited":
            return text_reply(429, "Too Many Requests", {"Retry-After": "2", "X-RateLimit-Remaining": "0"})
        if kind == "unavailable":
            return text_reply(502, "<html><body>502 Bad Gateway</body></html>")
        if kind == "auth":
            return frappe_error(401, "AuthenticationError", "Invalid API key or secret")
        if kind == "forbidden":
            return frappe_error(403, "PermissionError", "Insufficient Permission for Customer")
        return frappe_error(417, "ValidationError", "Value missing for Sales Order: Delivery Date")

    def route(self, req: SeenRequest):
        if req.headers.get("Authorization") != f"token {API_KEY}:{API_SECRET}":
            return frappe_error(401, "AuthenticationError", "Invalid Authorization credentials")
        path = req.path[len("/api/"):]
        if path.startswith("method/"):
            return self._method(path[len("method/"):], req)
        match = re.fullmatch(r"resource/([^/]+)(?:/(.+))?", path)
        if not match:
            return frappe_error(404, "DoesNotExistError", "Not found")
        doctype, name = unquote(match.group(1)), unquote(match.group(2)) if match.group(2) else None
        if doctype in self.denied:
            return frappe_error(403, "PermissionError", f"User api@example.com does not have doctype access "
                                                        f"via role permission for document {doctype}")
        if req.method == "GET" and name is None:
            rows = apply_list_query(self.docs.get(doctype, []), req.params)
            return json_reply(200, {"data": [self._visible(doctype, row) for row in rows]})
        if req.method == "GET":
            doc = next((d for d in self.docs.get(doctype, []) if d["name"] == name), None)
            if doc is None:
                return frappe_error(404, "DoesNotExistError", f"{doctype} {name} not found")
            return json_reply(200, {"data": self._visible(doctype, doc)})
        if req.method == "POST" and doctype == "Sales Order":
            return self._insert_order(req.body or {})
        if req.method == "PUT" and doctype == "Sales Order":
            return self._update_order(name, req.body or {})
        return frappe_error(403, "PermissionError", "Not permitted")

    def _method(self, method: str, req: SeenRequest):
        if method == "frappe.auth.get_logged_user":
            return json_reply(200, {"message": "api@example.com"})
        if method == "erpnext.stock.get_item_details.get_item_details":
            return self._item_details(req.body or {})
        if method == "frappe.client.cancel":
            body = req.body or {}
            order = next((o for o in self.docs.get(body.get("doctype"), []) if o["name"] == body.get("name")), None)
            if order is None or order["docstatus"] != 1:
                return frappe_error(417, "ValidationError", "Cannot cancel: the document is not submitted")
            order.update(docstatus=2, status="Cancelled")
            return json_reply(200, {"message": None})
        return frappe_error(404, "DoesNotExistError", f"Method {method} not found")

    def _item_details(self, body: dict):
        # frappe.call keeps only the kwargs the function declares: v15 reads "args", v16 "ctx"
        ctx = body.get("ctx" if self.version >= 16 else "args")
        if ctx is None:
            param = "ctx" if self.version >= 16 else "args"
            return json_reply(500, {"exc_type": "TypeError", "exception":
                                    f"TypeError: get_item_details() missing 1 required positional argument: '{param}'"})
        if not ctx.get("company"):
            return frappe_error(417, "ValidationError", "Please specify Company")
        item = self.seed.items.get(ctx.get("item_code"))
        customer = self.seed.customers.get(ctx.get("customer"))
        if item is None:
            return frappe_error(404, "DoesNotExistError", f"Item {ctx.get('item_code')} not found")
        unit, list_price = self.seed._price_for(customer, item)
        return json_reply(200, {"message": self._visible("get_item_details", {
            "item_code": item.code, "item_name": item.name, "price_list_rate": float(list_price),
            "rate": float(unit), "discount_percentage": float(customer.discount), "currency": customer.currency,
            "actual_qty": 0.0, "projected_qty": 0.0, "pricing_rules": ""})})

    # -- Sales Order --------------------------------------------------------------
    def _insert_order(self, doc: dict):
        customer = self.customer(doc.get("customer", ""))
        refusal = self._party_refusal(doc, customer) or self._lines_refusal(doc)
        if refusal is not None:
            return refusal
        assert customer is not None  # _party_refusal refuses an unknown customer
        if doc.get("currency") and doc["currency"] != customer["default_currency"]:
            return frappe_error(417, "InvalidCurrency", "Accounting Entry for Customer can only be made in "
                                                        f"currency: {customer['default_currency']}")
        if self.reject_orders:
            return frappe_error(417, "ValidationError", self.reject_orders, "Credit Limit Crossed")
        ref = doc.get(self.unique_field) if self.unique_field else None
        if ref and any(o.get(self.unique_field) == ref for o in self.docs["Sales Order"]):
            return frappe_error(417, "UniqueValidationError", f"{self.unique_field} must be unique")
        submitted = doc.get("docstatus") == 1
        total = sum(float(r["qty"]) * float(r["rate"]) for r in doc["items"])
        stored = dict(doc, name=f"SAL-ORD-2026-{len(self.docs['Sales Order']) + 1:05d}", grand_total=round(total, 2),
                      status="To Deliver and Bill" if submitted else "Draft", docstatus=1 if submitted else 0,
                      creation=self.clock.now().isoformat(), per_delivered=0.0, per_billed=0.0,
                      total_qty=float(sum(float(r["qty"]) for r in doc["items"])))
        self.docs["Sales Order"].append(stored)
        return json_reply(200, {"data": stored})

    def _party_refusal(self, doc: dict, customer: dict | None):
        if customer is None:
            return frappe_error(417, "LinkValidationError", f"Could not find Customer: {doc.get('customer')}")
        if customer["disabled"]:
            return frappe_error(417, "PartyDisabled", f"Customer {customer['name']} is disabled")
        if customer["is_frozen"] and doc.get("docstatus") == 1:
            return frappe_error(417, "PartyFrozen", f"Accounts are frozen for Customer {customer['name']}")
        return None

    def _lines_refusal(self, doc: dict):
        if not doc.get("items"):
            return frappe_error(417, "MandatoryError", "Error: Value missing for Sales Order: Items")
        if not doc.get("delivery_date") and not all(row.get("delivery_date") for row in doc["items"]):
            return frappe_error(417, "ValidationError", "Please enter Delivery Date")
        for row in doc["items"]:
            if self.seed.items.get(row.get("item_code")) is None:
                return frappe_error(417, "LinkValidationError", f"Could not find Item: {row.get('item_code')}")
            row.setdefault("warehouse", doc.get("set_warehouse") or self.default_warehouse)
            if not row["warehouse"]:
                return frappe_error(417, "ValidationError", "Delivery warehouse required for stock item")
        return None

    def advance(self, ref: str, step: str) -> None:
        """What people do in ERPNext after the order: a delivery note (``deliver``), a sales invoice
        (``invoice``), a payment entry (``pay``) or cancelling it; ERPNext then updates ``per_delivered``,
        ``per_billed``, ``status`` (status_updater.py) and the invoice's ``outstanding_amount``."""
        order = self.orders_for(ref)[0]
        invoice = next((i for i in self.docs["Sales Invoice"] if i.get("sales_order") == order["name"]), None)
        if step == "cancel":
            order.update(docstatus=2, status="Cancelled")
        elif step in ("deliver", "deliver_part"):
            order["per_delivered"] = 100.0 if step == "deliver" else 50.0
        elif step == "invoice":
            self.docs["Sales Invoice"].append({
                "name": f"ACC-SINV-2026-{len(self.docs['Sales Invoice']) + 1:05d}", "customer": order["customer"],
                "company": COMPANY, "posting_date": self.clock.now().date().isoformat(),
                "due_date": self.clock.now().date().isoformat(), "currency": order["currency"],
                "grand_total": order["grand_total"], "outstanding_amount": order["grand_total"], "status": "Unpaid",
                "docstatus": 1, "is_return": 0, "sales_order": order["name"]})
            order["per_billed"] = 100.0
        elif step == "pay" and invoice is not None:
            invoice.update(outstanding_amount=0.0, status="Paid")
        if order["docstatus"] == 1:
            delivered, billed = order["per_delivered"] >= 100, order["per_billed"] >= 100
            order["status"] = ("Completed" if delivered and billed else "To Bill" if delivered
                               else "To Deliver" if billed else "To Deliver and Bill")

    def _update_order(self, name: str | None, changes: dict):
        order = next((o for o in self.docs["Sales Order"] if o["name"] == name), None)
        if order is None:
            return frappe_error(404, "DoesNotExistError", f"Sales Order {name} not found")
        if changes.get("docstatus") == 1 and order["docstatus"] == 0:
            order.update(docstatus=1, status="To Deliver and Bill")
        return json_reply(200, {"data": order})
