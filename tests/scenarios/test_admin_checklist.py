"""The settings page opens with a live checklist (demo tenant, sandbox ERP)."""
from __future__ import annotations

import html

from tests.fakes.orders import drain
from tests.scenarios.admin_support import post_form, sign_in_demo_admin


def _checklist(client) -> str:
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    return page.split('id="checklist"')[1].split("</section>")[0]


def test_the_checklist_says_what_is_set_up_and_what_is_broken(client, services, clock, demo_tenant):
    assert client.post("/demo/deals/D-2003/won").status_code == 303        # Café Lumière: credit hold
    drain(services, clock)
    sign_in_demo_admin(client)
    items = _checklist(client)
    assert "Built-in sandbox ERP (demo data) is saved; it was not tested from this page yet." in items
    assert "broken (ACC-1009)" in items                                      # the Ghost Customer's link
    assert "with deals and no link" in items
    assert "1 waiting for a fix, 0 ready to replay." in items
    post_form(client, "/admin/settings/erp", {"connector": "sandbox", "action": "test"})
    assert "the last test (" in _checklist(client) and "works (ok)" in _checklist(client)
