"""Seed data for the demo CRM: accounts linked to sandbox ERP customers, and open deals."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.crm.demo.tables import demo_accounts, demo_deals
from app.storage.db import insert_or_ignore

DEMO_COMPANY = "demo-company"

ACCOUNTS = [
    ("ACC-1001", "Müller & Söhne GmbH", "CUST-0001"),
    ("ACC-1002", "Acme Corporation", "CUST-0002"),
    ("ACC-1003", "Café Lumière SARL", "CUST-0004"),
    ("ACC-1004", "Nordic Fjord Handel AB", "CUST-0005"),
    ("ACC-1005", "Tōkyō Trading 🚀 K.K.", "CUST-0006"),
    ("ACC-1006", "<b>Bold</b> & <script>alert(1)</script> Co", "CUST-0007"),
    ("ACC-1007", "Zürich Präzision AG", "CUST-0008"),
    ("ACC-1008", "Prospect without ERP link", None),
    ("ACC-1009", "Ghost Customer (deleted in ERP)", "CUST-9999"),
]

# deal id, account, title, currency, lines [(sku, name, qty, unit price)]
DEALS = [
    ("D-2001", "ACC-1001", "Widgets for Q1", "EUR", [("SKU-1001", "Widget ⚙️ Standard", "10", "12.50"),
                                                     ("SKU-1003", "Bolt M8 × 40 (100 pcs)", "4", "8.90")]),
    ("D-2002", "ACC-1002", "Pump refurbishment", "USD", [("SKU-1014", "Pump 230 V 0.75 kW", "2", "410.00")]),
    ("D-2003", "ACC-1003", "Café fit-out", "EUR", [("SKU-1006", "Café crème pods (50)", "30", "14.20")]),
    ("D-2004", "ACC-1004", "Safety gear", "SEK", [("SKU-1021", "Glove nitrile L (100)", "50", "89.00"),
                                                  ("SKU-1022", "Helmet EN397 yellow", "20", "120.00")]),
    ("D-2005", "ACC-1005", "Motors 🚀", "JPY", [("SKU-1018", "Motor 🚀 turbo 1.1 kW", "3", "54000")]),
    ("D-2006", "ACC-1007", "Unknown part (fails)", "CHF", [("SKU-9999", "Discontinued gadget", "1", "99.00")]),
    ("D-2007", "ACC-1008", "Prospect deal (no ERP link)", "EUR", [("SKU-1001", "Widget ⚙️ Standard", "1", "15")]),
    ("D-2008", "ACC-1001", "Paint restock", "EUR", [("SKU-1025", "Paint RAL 9010 10 l", "12", "700.74")]),
]


def seed_demo_crm(conn: sa.Connection, now: datetime) -> None:
    """Insert the demo accounts and deals once (idempotent, safe when several processes start at once)."""
    for account_id, name, hint in ACCOUNTS:
        insert_or_ignore(conn, demo_accounts, dict(id=account_id, company=DEMO_COMPANY, name=name,
                                                   erp_customer_hint=hint))
    for deal_id, account_id, title, currency, lines in DEALS:
        insert_or_ignore(conn, demo_deals, dict(
            id=deal_id, company=DEMO_COMPANY, account_id=account_id, title=title, status="open",
            currency=currency, lines=[{"sku": s, "name": n, "quantity": q, "unit_price": p} for s, n, q, p in lines],
            write_back_count=0, updated_at=now))


#: the demo company's CRM users and their roles (role-based figures: a rule for "Finance" shows them credit)
DEMO_USER_ROLES: dict[str, tuple[str, ...]] = {"demo-rep": ("Sales",), "demo-finance": ("Finance",),
                                               "demo-admin": ("Admin",)}
