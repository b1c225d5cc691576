"""NetSuite's analytics tables (as SuiteQL sees them) in SQLite, seeded from the sandbox catalogue.

The fake runs the connector's SuiteQL text as is, so a wrong table or column name fails here
the way it would fail in NetSuite. Oracle-only functions the connector uses (NVL, TO_CHAR with
'YYYY-MM-DD') are registered as SQLite functions. Booleans are 'T'/'F' as in SuiteQL.
"""
from __future__ import annotations

import re
import sqlite3
from decimal import Decimal

from app.domain.money import quantize
from app.erp.sandbox import SandboxERP, catalogue

SCHEMA = """
CREATE TABLE currency (id INTEGER PRIMARY KEY, symbol TEXT, name TEXT, currencyprecision INTEGER);
CREATE TABLE pricelevel (id INTEGER PRIMARY KEY, name TEXT, discountpct NUMERIC, isinactive TEXT DEFAULT 'F');
CREATE TABLE subsidiary (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE location (id INTEGER PRIMARY KEY, name TEXT, isinactive TEXT DEFAULT 'F');
CREATE TABLE unitstypeuom (internalid INTEGER PRIMARY KEY, unitname TEXT, abbreviation TEXT);
CREATE TABLE customer (id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT, isperson TEXT DEFAULT 'F',
  isinactive TEXT, creditlimit NUMERIC, balancesearch NUMERIC, overduebalancesearch NUMERIC,
  creditholdoverride TEXT, currency INTEGER, pricelevel INTEGER, subsidiary INTEGER DEFAULT 1, email TEXT,
  phone TEXT, vatregnumber TEXT);
CREATE TABLE item (id INTEGER PRIMARY KEY, itemid TEXT, displayname TEXT, itemtype TEXT, isinactive TEXT,
  stockunit INTEGER);
CREATE TABLE inventoryitemlocations (item INTEGER, location INTEGER, quantityonhand NUMERIC,
  quantitycommitted NUMERIC, quantityavailable NUMERIC, quantityonorder NUMERIC);
CREATE TABLE pricing (item INTEGER, pricelevel INTEGER, currency INTEGER, quantity NUMERIC, unitprice NUMERIC);
CREATE TABLE customeritempricing (customer INTEGER, item INTEGER, level INTEGER, price NUMERIC);
CREATE TABLE "transaction" (id INTEGER PRIMARY KEY, tranid TEXT, type TEXT, entity INTEGER, trandate TEXT,
  duedate TEXT, foreigntotal NUMERIC, foreignamountunpaid NUMERIC, status TEXT, currency INTEGER,
  externalid TEXT);
CREATE TABLE previoustransactionlink (previousdoc INTEGER, nextdoc INTEGER, linktype TEXT);
"""
BASE_PRICE = 1


def _to_char(value: object, fmt: str) -> str | None:
    if value is None:
        return None
    if fmt != "YYYY-MM-DD":
        raise sqlite3.OperationalError(f"TO_CHAR format {fmt} not supported by the fake")
    return str(value)[:10]


def to_sqlite(query: str) -> str:
    """SuiteQL -> SQLite: ``transaction`` is a reserved word in SQLite (not in SuiteQL)."""
    return re.sub(r"\b(FROM|JOIN)\s+transaction\b", r'\1 "transaction"', query, flags=re.IGNORECASE)


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.create_function("NVL", 2, lambda a, b: b if a is None else a)
    db.create_function("TO_CHAR", 2, _to_char)
    db.executescript(SCHEMA)
    return db


def seed(db: sqlite3.Connection, sandbox: SandboxERP) -> dict[str, dict[str, int]]:
    """Fill the tables; returns the internal ids by code ({"currency": {"EUR": 1}, "customer": ..., ...})."""
    ids: dict[str, dict[str, int]] = {"currency": {}, "customer": {}, "item": {}, "location": {}, "level": {}}
    for n, code in enumerate(catalogue.RATES, start=1):
        db.execute("INSERT INTO currency VALUES (?, ?, ?, ?)", (n, code, f"{code} currency", 0 if code == "JPY" else 2))
        ids["currency"][code] = n
    db.execute("INSERT INTO pricelevel VALUES (1, 'Base Price', NULL, 'F')")
    db.execute("INSERT INTO subsidiary VALUES (1, 'Acme Ltd'), (2, 'Acme Inc')")
    db.executemany("INSERT INTO unitstypeuom VALUES (?, ?, ?)", [(1, "Unit", "ea"), (2, "Box", "bx")])
    for n, name in enumerate(catalogue.WAREHOUSES, start=1):
        db.execute("INSERT INTO location VALUES (?, ?, 'F')", (n, name))
        ids["location"][name] = n
    today = sandbox.clock.now().date()
    invoices = sandbox._invoices_today()
    for n, c in enumerate(sandbox.customers.values(), start=1):
        level = None
        if c.discount:
            level = ids["level"].setdefault(str(c.discount), 10 + len(ids["level"]))
            db.execute("INSERT OR IGNORE INTO pricelevel VALUES (?, ?, ?, 'F')",
                       (level, f"Discount {c.discount}%", str(-c.discount)))
        mine = [i for i in invoices if i.customer_id == c.id]
        balance = sum((i.outstanding for i in mine), Decimal(0))
        overdue = sum((i.outstanding for i in mine if i.due_date < today), Decimal(0))
        db.execute("INSERT INTO customer (id, entityid, companyname, isinactive, creditlimit, balancesearch, "
                   "overduebalancesearch, creditholdoverride, currency, pricelevel, email, phone, vatregnumber) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (100 + n, c.id, c.name, "T" if c.disabled else "F",
                    None if c.credit_limit is None else str(c.credit_limit), str(balance), str(overdue),
                    "ON" if c.hold_reason == "credit_hold" else "AUTO", ids["currency"][c.currency], level,
                    c.email or None, c.phone or None, c.tax_id or None))
        ids["customer"][c.id] = 100 + n
    for n, item in enumerate(sandbox.items.values(), start=1):
        db.execute("INSERT INTO item VALUES (?, ?, ?, 'InvtPart', 'F', ?)",
                   (500 + n, item.code, item.name, 2 if item.uom == "Box" else 1))
        ids["item"][item.code] = 500 + n
        for code, cur in ids["currency"].items():
            price = quantize(item.list_price_eur * catalogue.RATES[code], 0 if code == "JPY" else 2)
            db.execute("INSERT INTO pricing VALUES (?, ?, ?, 1, ?)", (500 + n, BASE_PRICE, cur, str(price)))
            # a quantity break from 10 units: must not leak into a quote for one unit
            db.execute("INSERT INTO pricing VALUES (?, ?, ?, 10, ?)", (500 + n, BASE_PRICE, cur, str(price / 2)))
    for (code, warehouse), (on_hand, reserved) in sorted(sandbox._stock.items()):
        db.execute("INSERT INTO inventoryitemlocations VALUES (?, ?, ?, ?, ?, 0)",
                   (ids["item"][code], ids["location"][warehouse], str(on_hand), str(reserved), str(on_hand - reserved)))
    # one customer-specific item price (the price NetSuite would quote anyway, via another path)
    tokyo, item = sandbox.customers["CUST-0006"], sandbox.items["SKU-1007"]
    db.execute("INSERT INTO customeritempricing VALUES (?, ?, NULL, ?)",
               (ids["customer"]["CUST-0006"], ids["item"]["SKU-1007"], str(sandbox._price_for(tokyo, item)[0])))
    for n, inv in enumerate(invoices, start=1):
        db.execute('INSERT INTO "transaction" VALUES (?, ?, \'CustInvc\', ?, ?, ?, ?, ?, ?, ?, NULL)',
                   (1000 + n, inv.number, ids["customer"][inv.customer_id], inv.issue_date.isoformat(),
                    inv.due_date.isoformat(), str(inv.total), str(inv.outstanding), "B" if inv.outstanding <= 0 else "A",
                    ids["currency"][inv.currency]))
    # a payment must not show up as an invoice
    db.execute('INSERT INTO "transaction" VALUES (9999, \'PYMT1\', \'CustPymt\', ?, ?, NULL, 100, 100, \'A\', 1, NULL)',
               (ids["customer"]["CUST-0001"], today.isoformat()))
    db.commit()
    return ids
