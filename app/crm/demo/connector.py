"""The demo CRM's records (accounts, deals), its signing key, and its CRMConnector."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.crm.base import ORPHAN_SCAN_LIMIT, AccountDeals, CRMConnector, WriteBack
from app.crm.demo import signing
from app.crm.demo.tables import demo_accounts, demo_deals
from app.domain.deal import Account, Deal, DealLine, WonDeal
from app.errors import CRM, UpstreamNotFound
from app.storage.crypto import derive_key
from app.storage.db import Database


class DemoCRM:
    """The demo CRM's own records (accounts, deals) and its signing key."""

    name = "demo"

    def __init__(self, db: Database, clock: Clock, secret_key: str):
        self.db = db
        self.clock = clock
        self.key = derive_key(secret_key, "demo-crm-signing")

    # signing --------------------------------------------------------------------
    def sign_widget_context(self, company: str, user_id: str, account_id: str) -> str:
        """What the demo CRM puts in the widget iframe URL."""
        return signing.sign({"company": company, "user": user_id, "object_type": "account",
                             "object_id": account_id}, self.key, self.clock)

    # records --------------------------------------------------------------------
    def list_accounts(self, company: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(demo_accounts).where(demo_accounts.c.company == company)
                                .order_by(demo_accounts.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def list_deals(self, company: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(demo_deals).where(demo_deals.c.company == company)
                                .order_by(demo_deals.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def deal_row(self, company: str, deal_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(sa.select(demo_deals).where(
                demo_deals.c.company == company, demo_deals.c.id == deal_id)).first()
        if row is None:
            raise UpstreamNotFound(f"Deal {deal_id} does not exist in the demo CRM", side=CRM)
        return dict(row._mapping)

    def set_status(self, company: str, deal_id: str, status: str) -> dict[str, Any]:
        """Change a deal's status (the 'Mark won' button); returns the previous row."""
        previous = self.deal_row(company, deal_id)
        with self.db.write() as conn:
            conn.execute(demo_deals.update().where(demo_deals.c.company == company, demo_deals.c.id == deal_id)
                         .values(status=status, updated_at=self.clock.now()))
        return previous

    def get_deal(self, company: str, deal_id: str) -> Deal:
        row = self.deal_row(company, deal_id)
        account = None
        if row["account_id"]:
            with self.db.read() as conn:
                acc = conn.execute(sa.select(demo_accounts).where(demo_accounts.c.id == row["account_id"])).first()
            if acc is not None:
                account = Account(crm_account_id=acc.id, name=acc.name, erp_customer_id=None)
        lines = tuple(DealLine(sku=ln["sku"], name=ln["name"], quantity=Decimal(str(ln["quantity"])),
                               unit_price=Decimal(str(ln["unit_price"])), currency=row["currency"])
                      for ln in row["lines"])
        value = sum((ln.quantity * ln.unit_price for ln in lines), Decimal(0))
        return Deal(crm_deal_id=row["id"], title=row["title"], status=row["status"], currency=row["currency"],
                    value=value, account=account, lines=lines, is_won=row["status"] == "won",
                    custom_fields={k: row[k] or "" for k in ("erp_order_number", "erp_order_status",
                                                            "erp_failure_reason")})

    def get_account(self, company: str, account_id: str) -> Account:
        """A demo account; its ``erp_customer_hint`` is the demo CRM's "ERP customer id" field."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(demo_accounts).where(demo_accounts.c.company == company,
                                                              demo_accounts.c.id == account_id)).first()
        if row is None:
            raise UpstreamNotFound(f"Account {account_id} does not exist in the demo CRM", side=CRM)
        return Account(crm_account_id=row.id, name=row.name, erp_customer_id=row.erp_customer_hint or None)

    def accounts_with_deals(self, company: str) -> list[AccountDeals]:
        """Accounts with open or won deals, with their counts."""
        deals = [d for d in self.list_deals(company) if d["account_id"] and d["status"] in ("open", "won")]
        names = {a["id"]: a["name"] for a in self.list_accounts(company)}
        found: dict[str, AccountDeals] = {}
        for deal in deals[:ORPHAN_SCAN_LIMIT]:
            now = found.get(deal["account_id"]) or AccountDeals(deal["account_id"], names.get(deal["account_id"], ""))
            won = deal["status"] == "won"
            found[deal["account_id"]] = AccountDeals(now.crm_account_id, now.name, now.open_deals + (not won),
                                                     now.won_deals + won)
        return sorted(found.values(), key=lambda a: a.crm_account_id)

    def write_erp_customer_id(self, company: str, account_id: str, erp_customer_id: str) -> None:
        self.get_account(company, account_id)
        with self.db.write() as conn:
            conn.execute(demo_accounts.update().where(demo_accounts.c.company == company,
                                                      demo_accounts.c.id == account_id)
                         .values(erp_customer_hint=erp_customer_id))

    def won_deals(self, company: str, since: datetime) -> list[WonDeal]:
        """The company's won deals changed since ``since`` (the demo CRM's search)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(demo_deals).where(
                demo_deals.c.company == company, demo_deals.c.status == "won", demo_deals.c.updated_at >= since)
                .order_by(demo_deals.c.id)).all()
        return [WonDeal(crm_deal_id=r.id, title=r.title, currency=r.currency,
                        value=sum((Decimal(str(ln["quantity"])) * Decimal(str(ln["unit_price"])) for ln in r.lines),
                                  Decimal(0))) for r in rows]

    def write_back(self, company: str, deal_id: str, update: WriteBack) -> None:
        self.deal_row(company, deal_id)
        with self.db.write() as conn:
            conn.execute(demo_deals.update().where(demo_deals.c.company == company, demo_deals.c.id == deal_id)
                         .values(erp_order_number=update.order_number, erp_order_status=update.status_text,
                                 erp_failure_reason=update.failure_reason,
                                 write_back_count=demo_deals.c.write_back_count + 1,
                                 updated_at=self.clock.now()))


class DemoCRMConnector(CRMConnector):
    """CRMConnector for one demo tenant."""

    name = "demo"

    def __init__(self, crm: DemoCRM, company: str):
        self.crm = crm
        self.company = company

    def get_deal(self, crm_deal_id: str) -> Deal:
        return self.crm.get_deal(self.company, crm_deal_id)

    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        self.crm.write_back(self.company, crm_deal_id, update)

    def get_account(self, crm_account_id: str) -> Account:
        return self.crm.get_account(self.company, crm_account_id)

    def write_erp_customer_id(self, crm_account_id: str, erp_customer_id: str) -> None:
        self.crm.write_erp_customer_id(self.company, crm_account_id, erp_customer_id)

    def accounts_with_deals(self) -> list[AccountDeals]:
        return self.crm.accounts_with_deals(self.company)

    def search_won_deals(self, since: datetime) -> list[WonDeal]:
        return self.crm.won_deals(self.company, since)
