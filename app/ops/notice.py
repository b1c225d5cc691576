"""An alert notification as its owner reads it: what happened, the deals and money at stake, the fix.

One ``Notice`` renders itself for each channel: a plain-text e-mail, a JSON webhook payload and
Slack ``mrkdwn`` text.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.ops.inputs import AffectedDeal

FIRING, RESOLVED, TEST = "firing", "resolved", "test"
_HEADLINES = {FIRING: "ALERT", RESOLVED: "RESOLVED", TEST: "TEST"}


def money(value: str | None, currency: str | None) -> str:
    """'12400.5', 'eur' -> '12,400.50 EUR'; 'value not read yet' when the deal was never read."""
    if value is None:
        return "value not read yet"
    try:
        amount = f"{Decimal(value):,.2f}"
    except InvalidOperation:
        amount = value
    return f"{amount} {(currency or '').upper()}".strip()


def value_at_stake(deals: tuple[AffectedDeal, ...]) -> str:
    """Sum of the known deal values per currency: '12,700.00 EUR + 300.00 USD' ('' when none known)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for deal in deals:
        try:
            totals[(deal.currency or "").upper()] += Decimal(deal.value) if deal.value is not None else 0
        except InvalidOperation:
            continue
    return " + ".join(f"{amount:,.2f} {code}".strip() for code, amount in sorted(totals.items()) if amount)


def deal_line(deal: AffectedDeal) -> str:
    """One affected deal, e.g. 'Deal 42 (12,400.00 EUR): unknown_sku, will be retried'."""
    what = "will be retried" if deal.status == "queued" else "given up: replay it after the fix"
    return f"Deal {deal.crm_deal_id} ({money(deal.value, deal.currency)}): {deal.reason}, {what}"


@dataclass(frozen=True)
class Notice:
    """One message to a tenant's alert owner."""

    tenant_id: str
    tenant_name: str
    owner_name: str
    rule: str
    title: str
    state: str                       # firing | resolved | test
    summary: str
    fix_url: str
    fix_label: str
    at: datetime
    details: tuple[str, ...] = ()
    deals: tuple[AffectedDeal, ...] = ()

    @property
    def subject(self) -> str:
        return f"[erp-panel] {_HEADLINES[self.state]}: {self.title} ({self.tenant_name})"

    def lines(self) -> list[str]:
        """The message body as lines (shared by e-mail and Slack)."""
        out = [f"Hello {self.owner_name}," if self.owner_name else "Hello,", "", self.summary]
        out += list(self.details)
        if self.deals:
            out += ["", "Deals affected:"] + [f"- {deal_line(d)}" for d in self.deals]
            stake = value_at_stake(self.deals)
            if stake:
                out.append(f"Value at stake: {stake}")
        out += ["", f"{self.fix_label}: {self.fix_url}", "",
                f"Installation: {self.tenant_name} ({self.tenant_id}); {self.at.strftime('%Y-%m-%d %H:%M UTC')}"]
        return out

    def text(self) -> str:
        return "\n".join(self.lines()) + "\n"

    def payload(self) -> dict[str, Any]:
        """The generic webhook's JSON body."""
        return {"version": 1, "state": self.state, "rule": self.rule, "title": self.title, "summary": self.summary,
                "details": list(self.details), "tenant": {"id": self.tenant_id, "name": self.tenant_name},
                "owner": self.owner_name, "fix_url": self.fix_url, "occurred_at": self.at.isoformat(),
                "value_at_stake": value_at_stake(self.deals),
                "deals": [{"crm_deal_id": d.crm_deal_id, "value": d.value,
                           "currency": (d.currency or "").upper() or None, "reason": d.reason, "status": d.status}
                          for d in self.deals]}

    def slack_text(self) -> str:
        """Slack mrkdwn; &, < and > escaped as Slack asks (https://api.slack.com/reference/surfaces/formatting)."""
        def esc(text: str) -> str:
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = [f"*{esc(self.subject)}*"] + [esc(line) for line in self.lines()[2:-3] if line]
        body.append(f"<{self.fix_url}|{esc(self.fix_label)}>")
        return "\n".join(body)
