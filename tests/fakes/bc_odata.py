"""The OData query options the Business Central fake understands, and its seeded entities.

``$filter``: comparisons (eq, ne, le, lt, ge, gt) and ``contains``/``startswith``/``endswith`` (case-
sensitive, as the documentation does not promise otherwise) joined by ``and``/``or`` (no parentheses);
anything else is refused with 400 as BC refuses what it cannot parse. ``$select``, ``$expand``
(navigation properties given by the caller), ``$orderby`` (``field [desc]``, comma list).
"""
from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from app.domain.money import quantize
from app.erp.sandbox import SandboxERP, catalogue

LOCAL_CURRENCY = "EUR"
_TERM = re.compile(r"^(\w+) (eq|ne|le|lt|ge|gt) ('(?:[^']|'')*'|true|false|null|[\d.:T-]+)$")
_CALL = re.compile(r"^(contains|startswith|endswith)\((\w+),('(?:[^']|'')*')\)$")
_TEXT_FUNCTIONS = {"contains": lambda a, b: b in a, "startswith": str.startswith, "endswith": str.endswith}


class ODataError(Exception):
    pass


def _value(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return {"true": True, "false": False, "null": None}.get(token, token)


def _compare(left: Any, op: str, right: Any) -> bool:
    if isinstance(left, (int, float, Decimal)) and not isinstance(left, bool) and isinstance(right, str):
        right = Decimal(right)
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    left, right = str(left) if isinstance(right, str) else left, right
    return {"le": left <= right, "lt": left < right, "ge": left >= right, "gt": left > right}[op]


def matches(row: dict[str, Any], expression: str | None) -> bool:
    if not expression:
        return True
    for disjunct in expression.split(" or "):
        ok = True
        for term in disjunct.split(" and "):
            call = _CALL.match(term.strip())
            if call and call.group(2) in row:
                ok = ok and _TEXT_FUNCTIONS[call.group(1)](str(row[call.group(2)] or ""), _value(call.group(3)))
                continue
            match = _TERM.match(term.strip())
            if not match or match.group(1) not in row:
                raise ODataError(f"Could not parse the filter expression near '{term.strip()}'.")
            ok = ok and _compare(row[match.group(1)], match.group(2), _value(match.group(3)))
        if ok:
            return True
    return False


def order_by(rows: list[dict[str, Any]], spec: str | None) -> list[dict[str, Any]]:
    for part in reversed([p.strip() for p in (spec or "").split(",") if p.strip()]):
        field, _, direction = part.partition(" ")
        rows = sorted(rows, key=lambda r, f=field: (r.get(f) is None, str(r.get(f))), reverse=direction == "desc")
    return rows


def select(row: dict[str, Any], fields: str | None, expanded: set[str]) -> dict[str, Any]:
    if not fields:
        return {k: v for k, v in row.items() if not k.startswith("_")}
    wanted = {f.strip() for f in fields.split(",")} | expanded | {"@odata.etag"}
    unknown = {f for f in wanted if f not in row and f != "@odata.etag"}
    if unknown:
        raise ODataError(f"Could not find a property named '{sorted(unknown)[0]}'.")
    return {k: v for k, v in row.items() if k in wanted}


def to_lcy(value: Decimal, currency: str) -> Decimal:
    """A customer-currency amount in the company's local currency (EUR), as BC keeps balances."""
    return quantize(value / catalogue.RATES[currency], 2)


def guid() -> str:
    return str(uuid.uuid4())


def seed(sandbox: SandboxERP) -> dict[str, list[dict[str, Any]]]:
    today = sandbox.clock.now().date()
    invoices = sandbox._invoices_today()
    data: dict[str, list[dict[str, Any]]] = {"customers": [], "items": [], "salesInvoices": [], "salesOrders": []}
    data["generalLedgerSetup"] = [{"id": guid(), "localCurrencyCode": LOCAL_CURRENCY, "localCurrencySymbol": "€"}]
    data["currencies"] = [{"id": guid(), "code": code, "displayName": code, "symbol": code,
                           "amountDecimalPlaces": "0:0" if code == "JPY" else "2:2"} for code in catalogue.RATES]
    data["currencyExchangeRates"] = []
    for code, rate in catalogue.RATES.items():
        if code == LOCAL_CURRENCY:
            continue
        for start, amount in (("2019-01-01", rate * 2), ("2020-01-01", rate), (f"{today.year + 1}-01-01", rate * 3)):
            data["currencyExchangeRates"].append({"id": guid(), "currencyCode": code, "startingDate": start,
                                                  "exchangeRateAmount": float(amount * 100),
                                                  "relationalCurrencyCode": "", "relationalExchangeRateAmount": 100.0})
    for n, c in enumerate(sandbox.customers.values()):
        mine = [i for i in invoices if i.customer_id == c.id]
        balance = sum((i.outstanding for i in mine), Decimal(0))
        overdue = sum((i.outstanding for i in mine if i.due_date < today), Decimal(0))
        blocked = "All" if c.disabled else ("Ship" if c.hold_reason == "credit_hold" else ("_x0020_" if n % 2 else " "))
        data["customers"].append({
            "id": guid(), "number": c.id, "displayName": c.name, "type": "Company", "blocked": blocked,
            "taxRegistrationNumber": c.tax_id, "email": c.email, "phoneNumber": c.phone, "addressLine1": c.address,
            "city": c.city, "postalCode": c.postal_code, "country": c.country, "website": "",
            "balanceDue": float(to_lcy(balance, c.currency)), "currencyCode": c.currency,
            "creditLimit": float(to_lcy(c.credit_limit, c.currency)) if c.credit_limit else 0.0,
            "_financial": {"balance": float(to_lcy(balance, c.currency)), "totalSalesExcludingTax": 0.0,
                           "overdueAmount": float(to_lcy(overdue, c.currency))}})
    stock: dict[str, tuple[Decimal, Decimal]] = {}
    for (code, _wh), (on_hand, reserved) in sandbox._stock.items():
        old = stock.get(code, (Decimal(0), Decimal(0)))
        stock[code] = (old[0] + on_hand, old[1] + reserved)
    for item in sandbox.items.values():
        data["items"].append({"id": guid(), "number": item.code, "displayName": item.name, "type": "Inventory",
                              "blocked": False, "inventory": float(stock.get(item.code, (0, 0))[0]),
                              "unitPrice": float(item.list_price_eur), "baseUnitOfMeasureCode": item.uom.upper()})
    data["items"].append({"id": guid(), "number": "SRV-INSTALL", "displayName": "Installation", "type": "Service",
                          "blocked": False, "inventory": 0.0, "unitPrice": 90.0, "baseUnitOfMeasureCode": "HOUR"})
    for code, (_on_hand, reserved) in sorted(stock.items()):
        if reserved:     # quantity still to ship = ordered - shipped
            data["salesOrders"].append(_seed_order(f"S-ORD-SEED-{code}", code, reserved + 1, Decimal(1), False))
    data["salesOrders"].append(_seed_order("S-ORD-SHIPPED", "SKU-1001", Decimal(5), Decimal(5), True))
    for inv in invoices:
        data["salesInvoices"].append({
            "id": guid(), "number": inv.number, "externalDocumentNumber": "", "invoiceDate": inv.issue_date.isoformat(),
            "postingDate": inv.issue_date.isoformat(), "dueDate": inv.due_date.isoformat(), "customerNumber":
            inv.customer_id, "currencyCode": inv.currency, "totalAmountIncludingTax": float(inv.total),
            "remainingAmount": float(inv.outstanding), "status": "Paid" if inv.outstanding <= 0 else "Open",
            "orderNumber": ""})
    return data


def _seed_order(number: str, item: str, quantity: Decimal, shipped: Decimal, fully: bool) -> dict[str, Any]:
    return {"id": guid(), "number": number, "externalDocumentNumber": "", "customerNumber": "CUST-0001",
            "status": "Open", "fullyShipped": fully, "totalAmountIncludingTax": 0.0, "currencyCode": "EUR",
            "orderDate": "2026-01-01",
            "_lines": [{"id": guid(), "sequence": 10000, "lineType": "Item", "lineObjectNumber": item,
                        "quantity": float(quantity), "shippedQuantity": float(shipped), "invoicedQuantity": 0.0,
                        "unitPrice": 1.0,
                        "discountPercent": 0.0}]}
