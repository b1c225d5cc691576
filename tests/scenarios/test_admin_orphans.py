"""The orphans list: CRM accounts with deals and no link, and links to gone customers (demo CRM, sandbox)."""
from __future__ import annotations

import html

from tests.fakes.orders import drain
from tests.scenarios.admin_support import sign_in_demo_admin


def _orphans(client) -> str:
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    return page.split('id="orphans-title"')[1].split('id="customer-search-title"')[0]


def test_accounts_with_deals_and_no_link_and_gone_links_are_listed(client, services, clock, demo_tenant):
    assert client.post("/demo/deals/D-2007/won").status_code == 303        # the prospect's deal fails: no link
    drain(services, clock)
    sign_in_demo_admin(client)
    orphans = _orphans(client)
    assert "Prospect without ERP link" in orphans and "ACC-1008" in orphans
    assert "Orders failed for want of a link: D-2007" in orphans
    assert "for_account=ACC-1008" in orphans                                 # one click to the search
    assert "ACC-1001" not in orphans.split("Links to customers")[0]          # linked accounts are not orphans
    assert "<code>ACC-1009</code> → <code>CUST-9999</code>" in orphans       # the Ghost Customer's gone link
    services.tenants.link_account(demo_tenant.id, "ACC-1008", "CUST-0001")
    assert "ACC-1008" not in _orphans(client)
