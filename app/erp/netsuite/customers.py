"""NetSuite customer search and look-up for account linking, in SuiteQL.

Columns of the analytics ``customer`` table (Records Catalog:
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html): ``entityid`` (the
"Customer ID" a link holds), ``companyname``, ``isinactive``, ``email``, ``phone``; the VAT registration
number as ``vatregnumber`` is not confirmed against a real account (the REST record field is
``vatRegNumber``), so it is only named when a tax id is searched. SuiteQL's ``LIKE`` is Oracle's: case-
sensitive, so names are compared in upper case; values go through ``queries.literal``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import batches
from app.erp.fields import require
from app.erp.netsuite.mapping import VENDOR, is_true
from app.erp.netsuite.queries import in_list, literal

if TYPE_CHECKING:   # the connector imports this module
    from app.erp.netsuite.connector import NetSuiteConnector


def columns(*, with_tax: bool = False) -> str:
    """The SELECT of a customer row; ``vatregnumber`` only when asked for (see the module docstring)."""
    tax = "c.vatregnumber AS vatregnumber, " if with_tax else ""
    return ("SELECT c.entityid AS entityid, NVL(c.companyname, c.entityid) AS name, c.isinactive AS isinactive, "
            f"c.email AS email, c.phone AS phone, {tax}cur.symbol AS currency "
            "FROM customer c LEFT JOIN currency cur ON cur.id = c.currency ")


def search_query(query: CustomerQuery) -> str:
    """Active customers matching any name word, the tax id, the e-mail domain or the phone number ("" when
    the query names nothing the ERP can match)."""
    conditions = [f"UPPER(c.companyname) LIKE UPPER({literal(f'%{word}%')})" for word in query.name_words()]
    if query.tax_pattern():
        conditions.append(f"UPPER(c.vatregnumber) LIKE {literal(query.tax_pattern())}")
    if query.domain():
        conditions.append(f"LOWER(c.email) LIKE {literal(f'%@{query.domain()}')}")
    if query.phone_pattern():
        conditions.append(f"c.phone LIKE {literal(query.phone_pattern())}")
    if not conditions:
        return ""
    return columns(with_tax=bool(query.tax_pattern())) + f"WHERE c.isinactive = 'F' AND ({' OR '.join(conditions)}) ORDER BY c.companyname"


def search(netsuite: NetSuiteConnector, query: CustomerQuery) -> list[ERPCustomer]:
    sql = search_query(query)
    if not sql:
        return []
    return [customer_from(row) for row in netsuite.client.suiteql(sql, limit=query.limit)]


def get_many(netsuite: NetSuiteConnector, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
    """The customers (inactive ones too) with these Customer IDs, one query per batch."""
    found: dict[str, ERPCustomer] = {}
    for chunk in batches(customer_ids):
        rows = netsuite.client.suiteql(columns() + f"WHERE c.entityid IN {in_list(chunk)}", limit=len(chunk))
        found.update((c.customer_id, c) for c in map(customer_from, rows))
    return found


def customer_from(row: dict[str, Any]) -> ERPCustomer:
    """A SuiteQL row -> ERPCustomer (NULL columns may be left out of the answer)."""
    entity = str(require(row, "entityid", vendor=VENDOR, record="customer"))
    return ERPCustomer(entity, str(row.get("name") or entity), disabled=is_true(row.get("isinactive")),
                       tax_id=str(row.get("vatregnumber") or ""), email=str(row.get("email") or ""),
                       phone=str(row.get("phone") or ""),
                       currency=str(row.get("currency") or ""))
