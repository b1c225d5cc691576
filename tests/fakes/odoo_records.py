"""Records of the fake Odoo database, seeded from the sandbox catalogue, plus domain evaluation.

Model and field names follow erp-contracts.md section 2 (res.partner credit fields,
product.product computed quantities, account.move invoices, product.pricelist(.item),
sale.order). Simplification, stated once: amounts in other currencies are booked at a
rate of 1 into the partner's ``credit`` so every connector sees the same numbers.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from app.erp.sandbox import SandboxERP, catalogue

COMPANY_CURRENCY = "EUR"


def m2o(record: dict[str, Any] | None, name_field: str = "name") -> list | bool:
    return [record["id"], record[name_field]] if record else False


def _value(row: dict[str, Any], field: str) -> Any:
    value = row.get(field, False)
    return value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) else value


def _like(value: Any, pattern: str) -> bool:
    """``=ilike``: the value is the pattern (% and _ wildcards), case-insensitive, as PostgreSQL ILIKE."""
    regex = ".*".join(re.escape(part).replace("_", ".") for part in pattern.casefold().split("%"))
    return isinstance(value, str) and re.fullmatch(regex, value.casefold(), flags=re.S) is not None


def matches(row: dict[str, Any], domain: list) -> bool:
    """A domain in Odoo's prefix notation: leaves are ANDed, ``'|'`` ORs the next two terms
    (https://www.odoo.com/documentation/19.0/developer/reference/backend/orm.html#reference-orm-domains)."""
    def term(position: int) -> tuple[bool, int]:
        if domain[position] == "|":
            left, after = term(position + 1)
            right, end = term(after)
            return left or right, end
        if domain[position] == "&":
            left, after = term(position + 1)
            right, end = term(after)
            return left and right, end
        return _leaf(row, tuple(domain[position])), position + 1
    position = 0
    while position < len(domain):
        ok, position = term(position)
        if not ok:
            return False
    return True


def _leaf(row: dict[str, Any], leaf: tuple) -> bool:
    field, op, target = leaf
    value = _value(row, field)
    if op == "ilike":
        ok = isinstance(value, str) and target.casefold() in value.casefold()
    elif op == "=ilike":
        ok = _like(value, target)
    elif op in ("=", "child_of"):
        ok = value == target
    elif op == "!=":
        ok = value != target
    elif op == "in":
        ok = value in target
    elif op == "not in":
        ok = value not in target
    elif op in ("<", ">", "<=", ">="):
        ok = value is not False and {"<": value < target, ">": value > target,
                                     "<=": value <= target, ">=": value >= target}[op]
    else:
        raise ValueError(f"Invalid leaf {field, op, target}")
    return ok


def seed_records(seed: SandboxERP) -> tuple[dict[str, list[dict[str, Any]]], dict]:
    """(records per model, stock[(product id, warehouse id)] = (on_hand, reserved))."""
    db: dict[str, list[dict[str, Any]]] = {}
    db["res.currency"] = [{"id": n, "name": code, "rate": float(rate), "decimal_places": 0 if code == "JPY" else 2,
                           "active": True} for n, (code, rate) in enumerate(sorted(catalogue.RATES.items()), start=1)]
    currency = {c["name"]: c for c in db["res.currency"]}
    eur = currency[COMPANY_CURRENCY]
    db["stock.warehouse"] = [{"id": n, "name": name, "company_id": [1, "Acme Ltd"]}
                             for n, name in enumerate(catalogue.WAREHOUSES, start=1)]
    db["product.category"] = [{"id": 1, "name": "All", "parent_path": "1/"},
                              {"id": 2, "name": "All / Tools", "parent_path": "1/2/"}]
    db["product.product"] = []
    for n, item in enumerate(seed.items.values()):
        db["product.product"].append({
            "id": 100 + n, "default_code": item.code, "name": item.name, "display_name": f"[{item.code}] {item.name}",
            "uom_id": [1 if item.uom == "Unit" else 2, item.uom], "product_tmpl_id": [500 + n, item.name],
            "categ_id": [2, "All / Tools"], "lst_price": float(item.list_price_eur), "currency_id": m2o(eur),
            "sale_ok": True, "active": True})
    product_id = {p["default_code"]: p["id"] for p in db["product.product"]}
    warehouse_id = {w["name"]: w["id"] for w in db["stock.warehouse"]}
    stock = {(product_id[code], warehouse_id[wh]): qty for (code, wh), qty in seed._stock.items()}
    db["product.pricelist"], db["product.pricelist.item"], db["res.partner"] = [], [], []
    invoices = seed._invoices_today()
    for n, customer in enumerate(seed.customers.values()):
        pricelist = {"id": 10 + n, "name": customer.price_list, "currency_id": m2o(currency[customer.currency])}
        db["product.pricelist"].append(pricelist)
        if customer.discount:
            db["product.pricelist.item"].append({
                "id": 1000 + n, "pricelist_id": m2o(pricelist), "applied_on": "3_global", "product_tmpl_id": False,
                "product_id": False, "categ_id": False, "min_quantity": 0.0, "date_start": False, "date_end": False,
                "compute_price": "percentage", "base": "list_price", "fixed_price": 0.0,
                "percent_price": float(customer.discount), "price_discount": 0.0, "price_surcharge": 0.0,
                "price_round": 0.0, "price_min_margin": 0.0, "price_max_margin": 0.0})
        receivable = sum((i.outstanding for i in invoices if i.customer_id == customer.id), Decimal(0))
        db["res.partner"].append({
            "id": 27 + n, "name": customer.name, "ref": customer.id, "active": not customer.disabled,
            "credit": float(receivable), "credit_limit": float(customer.credit_limit or 0),
            "use_partner_credit_limit": bool(customer.credit_limit), "property_product_pricelist": m2o(pricelist),
            "currency_id": m2o(eur), "customer_rank": 1, "vat": customer.tax_id or False,
            "email": customer.email or False, "phone": customer.phone or False, "street": customer.address or False,
            "city": customer.city or False, "zip": customer.postal_code or False, "website": False,
            "country_id": [1, customer.country] if customer.country else False})
    # a supplier only (customer_rank 0): never offered as a customer to link
    db["res.partner"].append({
        "id": 90, "name": "Müller Rohstoffe KG", "ref": False, "active": True, "credit": 0.0, "credit_limit": 0.0,
        "use_partner_credit_limit": False, "property_product_pricelist": False, "currency_id": m2o(eur),
        "customer_rank": 0, "vat": "DE 999 888 777", "email": "info@mueller-soehne.de", "phone": False,
        "street": False, "city": "Hamburg", "zip": False, "website": False, "country_id": False})
    partner = {p["ref"]: p for p in db["res.partner"] if p["ref"]}
    db["account.move"] = [{
        "id": 5000 + n, "name": inv.number, "partner_id": m2o(partner[inv.customer_id]), "move_type": "out_invoice",
        "state": "posted", "invoice_date": inv.issue_date.isoformat(), "invoice_date_due": inv.due_date.isoformat(),
        "amount_total": float(inv.total), "amount_residual": float(inv.outstanding),
        "payment_state": "paid" if inv.outstanding <= 0 else ("partial" if inv.outstanding < inv.total else "not_paid"),
        "currency_id": m2o(currency[inv.currency]),
    } for n, inv in enumerate(invoices)]
    db["sale.order"] = []
    return db, stock
