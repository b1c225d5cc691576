"""Orphans: CRM accounts with open or won deals and no link, and links to ERP customers that are gone.

Accounts come from the CRM where it lists its accounts with deals (``CRMConnector.accounts_with_deals``) and,
for every CRM, from won deals the order flow gave up on for want of a link (their deals are read again to
name the account).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.crm.base import AccountDeals
from app.crm.registry import CRMRegistry
from app.errors import UpstreamError
from app.linking.health import LinkHealth, LinkState
from app.orders.dead_letters import DeadLetters
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

#: the dead letters whose deals are read again to name their accounts
MAX_FAILED_DEALS = 20
MISSING_LINK = "missing_erp_customer_link"


@dataclass(frozen=True)
class OrphanAccount:
    """A CRM account with deals and no link."""

    crm_account_id: str
    name: str
    open_deals: int = 0
    won_deals: int = 0
    #: won deals whose orders failed because the account has no link
    failed_deals: tuple[str, ...] = ()


@dataclass
class Orphans:
    """The orphans list of one tenant; ``notes`` say what could not be looked at."""

    accounts: list[OrphanAccount] = field(default_factory=list)
    gone: list[LinkHealth] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_orphans(tenant: Tenant, tenants: TenantStore, crm: CRMRegistry, dead_letters: DeadLetters,
                 health: list[LinkHealth]) -> Orphans:
    """Every orphan of the tenant (``health``: its links' health, already read from the ERP)."""
    result = Orphans(gone=[h for h in health if h.state is LinkState.GONE])
    linked = set(tenants.list_links(tenant.id))
    integration = crm.find(tenant.crm)
    if integration is None:
        return result
    try:
        connector = integration.connector_for(tenant)
    except UpstreamError as exc:
        result.notes.append(f"The CRM could not be asked for accounts with deals: {exc.message.rstrip('.')}.")
        return result
    found: dict[str, OrphanAccount] = {}
    try:
        for account in connector.accounts_with_deals():
            if account.crm_account_id not in linked:
                found[account.crm_account_id] = _orphan(account)
    except UpstreamError as exc:
        result.notes.append(f"{exc.message.rstrip('.')}.")
    failed = [d for d in dead_letters.list(tenant.id) if d.reason == MISSING_LINK][:MAX_FAILED_DEALS]
    for letter in failed:
        try:
            deal = connector.get_deal(letter.crm_deal_id)
        except UpstreamError:
            result.notes.append(f"Deal {letter.crm_deal_id} could not be read from the CRM.")
            continue
        if deal.account is None or deal.account.crm_account_id in linked:
            continue
        now = found.get(deal.account.crm_account_id) or OrphanAccount(deal.account.crm_account_id,
                                                                      deal.account.name, won_deals=1)
        found[now.crm_account_id] = OrphanAccount(now.crm_account_id, now.name or deal.account.name,
                                                  now.open_deals, now.won_deals,
                                                  (*now.failed_deals, letter.crm_deal_id))
    result.accounts = sorted(found.values(), key=lambda a: (not a.failed_deals, -a.won_deals, a.crm_account_id))
    return result


def _orphan(account: AccountDeals) -> OrphanAccount:
    return OrphanAccount(account.crm_account_id, account.name, account.open_deals, account.won_deals)
