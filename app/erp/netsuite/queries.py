"""The SuiteQL the connector sends: one query per kind of data.

SuiteQL over REST takes no bind parameters, so every value from outside goes through
``literal`` (single quotes doubled) or ``integer``. Tables and columns follow the NetSuite
analytics data source (Records Catalog:
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html);
column choices not shown in Oracle's own examples are marked where they are used.

* Dates are formatted with ``TO_CHAR(..., 'YYYY-MM-DD')`` so the answer does not depend on
  the integration user's date-format preference.
* Amounts use ``NVL(..., 0)`` where NetSuite stores "nothing" as NULL (a customer without
  transactions has no balance); the credit limit stays NULL, meaning "no limit".
* The customer is matched on ``entityid`` (the "Customer ID" shown in NetSuite), which is
  what the CRM link holds; items on ``itemid`` ("Name/Number").
"""
from __future__ import annotations

from collections.abc import Sequence

from app.errors import ERP, UpstreamRejected

#: internal id of NetSuite's "Base Price" level, present in every account
BASE_PRICE_LEVEL = 1


def literal(value: str) -> str:
    """A SuiteQL string literal."""
    text = str(value)
    if "\x00" in text:
        raise UpstreamRejected("Text sent to NetSuite contains a NUL character", side=ERP, reason="invalid_input")
    return "'" + text.replace("'", "''") + "'"


def integer(value: object) -> int:
    """An internal id as an integer (refuses anything else)."""
    text = str(value).strip()
    if not text.isdigit():
        raise UpstreamRejected(f"'{text}' is not a NetSuite internal id", side=ERP)
    return int(text)


def in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


def customer(entity_id: str) -> str:
    """Credit fields, currency and price level of one customer (used by credit, prices, orders).

    ``balancesearch`` / ``overduebalancesearch`` are the customer's balance and overdue balance
    as NetSuite's searches compute them; ``creditholdoverride`` is AUTO / ON / OFF.
    """
    return (
        "SELECT c.id AS id, c.entityid AS entityid, NVL(c.companyname, c.entityid) AS name, "
        "c.isinactive AS isinactive, c.creditlimit AS creditlimit, NVL(c.balancesearch, 0) AS balance, "
        "NVL(c.overduebalancesearch, 0) AS overdue, c.creditholdoverride AS creditholdoverride, "
        "c.currency AS currencyid, cur.symbol AS currency, cur.currencyprecision AS currencyprecision, "
        "c.pricelevel AS pricelevel, pl.name AS pricelevelname, pl.discountpct AS discountpct "
        "FROM customer c LEFT JOIN currency cur ON cur.id = c.currency "
        "LEFT JOIN pricelevel pl ON pl.id = c.pricelevel "
        f"WHERE c.entityid = {literal(entity_id)}")


def invoices(entity_id: str, *, open_only: bool) -> str:
    """The customer's invoices (LEFT JOIN: one row with no invoice columns = known customer, no invoices)."""
    unpaid = " AND t.foreignamountunpaid <> 0" if open_only else ""
    return (
        "SELECT c.id AS customerid, t.id AS id, t.tranid AS tranid, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, "
        "TO_CHAR(t.duedate, 'YYYY-MM-DD') AS duedate, t.foreigntotal AS total, "
        "NVL(t.foreignamountunpaid, 0) AS unpaid, t.status AS status, cur.symbol AS currency "
        "FROM customer c LEFT JOIN transaction t ON t.entity = c.id AND t.type = 'CustInvc'" + unpaid + " "
        "LEFT JOIN currency cur ON cur.id = t.currency "
        f"WHERE c.entityid = {literal(entity_id)} ORDER BY t.duedate, t.tranid")


def default_items() -> str:
    """Active inventory items, for a panel that names none (the caller limits the row count)."""
    return "SELECT i.itemid AS itemid FROM item i WHERE i.itemtype = 'InvtPart' AND i.isinactive = 'F' ORDER BY i.itemid"


def items(codes: Sequence[str]) -> str:
    """Internal ids of active items by item code (order lines, item checks)."""
    return f"SELECT i.id AS id, i.itemid AS itemid FROM item i WHERE i.itemid IN {in_list(codes)} AND i.isinactive = 'F'"


def known_items(codes: Sequence[str]) -> str:
    """Every item with one of these codes, inactive ones too (so they read as not sellable, not unknown)."""
    return ("SELECT i.itemid AS itemid, NVL(i.displayname, i.itemid) AS displayname, i.isinactive AS isinactive "
            f"FROM item i WHERE i.itemid IN {in_list(codes)}")


def stock(codes: Sequence[str], locations: Sequence[str]) -> str:
    """Quantities per item and location (``inventoryitemlocations``; stock unit from ``unitstypeuom``)."""
    where = f"i.itemid IN {in_list(codes)}"
    if locations:
        where += " AND b.location IN (" + ", ".join(str(integer(x)) for x in locations) + ")"
    return (
        "SELECT i.itemid AS itemid, NVL(i.displayname, i.itemid) AS displayname, l.name AS location, "
        "NVL(b.quantityonhand, 0) AS onhand, NVL(b.quantitycommitted, 0) AS committed, u.unitname AS uom "
        "FROM inventoryitemlocations b JOIN item i ON i.id = b.item JOIN location l ON l.id = b.location "
        "LEFT JOIN unitstypeuom u ON u.internalid = i.stockunit "
        f"WHERE {where} ORDER BY i.itemid, l.name")


def prices(codes: Sequence[str], customer_id: int, currency_id: int) -> str:
    """Item price rows in the customer's currency, plus the customer's own item prices.

    ``pricing`` holds one row per item, price level, currency and quantity break (``quantity``
    is the break's lower bound); ``customeritempricing`` holds prices or levels set for one
    customer and item.
    """
    return (
        "SELECT i.id AS id, i.itemid AS itemid, NVL(i.displayname, i.itemid) AS displayname, "
        "p.pricelevel AS pricelevel, p.unitprice AS unitprice, p.quantity AS minquantity, "
        "cip.level AS customerlevel, cip.price AS customerprice "
        f"FROM item i LEFT JOIN pricing p ON p.item = i.id AND p.currency = {integer(currency_id)} "
        f"LEFT JOIN customeritempricing cip ON cip.item = i.id AND cip.customer = {integer(customer_id)} "
        f"WHERE i.itemid IN {in_list(codes)} AND i.isinactive = 'F' ORDER BY i.itemid")


def price_levels(level_ids: Sequence[int]) -> str:
    return ("SELECT pl.id AS id, pl.name AS name, pl.discountpct AS discountpct FROM pricelevel pl WHERE pl.id IN ("
            + ", ".join(str(integer(x)) for x in level_ids) + ")")


def currency(code: str) -> str:
    return f"SELECT cur.id AS id, cur.symbol AS symbol FROM currency cur WHERE cur.symbol = {literal(code)}"


def record_id(table: str, internal_id: object) -> str:
    """The row of ``table`` (a name this module's callers fix, never outside input) with this internal id."""
    return f"SELECT x.id FROM {table} x WHERE x.id = {integer(internal_id)}"
