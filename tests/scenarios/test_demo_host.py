"""The demo CRM host page and its sandbox controls."""
import re

from tests.fakes.demo import demo


def test_demo_index_redirects_to_first_account(client):
    resp = client.get("/demo/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/demo/accounts/ACC-1001")


def test_host_page_embeds_signed_widget_and_escapes_names(client, services):
    html = client.get("/demo/accounts/ACC-1006").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    src = re.search(r'<iframe id="erp-panel" title="ERP panel" src="([^"]+)"', html).group(1)
    assert src.startswith("/widgets/account-panel/?crm=demo&amp;ctx=")
    ctx = re.search(r"ctx=([^&]+)&amp;", src).group(1)
    identity = demo(services).verify_widget_credential(ctx)
    assert identity.object_id == "ACC-1006" and identity.installation_id == "demo-company"


def test_unknown_account_is_404(client):
    assert client.get("/demo/accounts/NOPE").status_code == 404


def test_sandbox_outage_switch(client, faults):
    resp = client.post("/demo/sandbox", data={"action": "outage_on", "back": "/demo/accounts/ACC-1001"})
    assert resp.status_code == 303 and faults.down
    assert "simulated outage" in client.get("/demo/accounts/ACC-1001").get_data(as_text=True)
    client.post("/demo/sandbox", data={"action": "latency", "latency_ms": "250"})
    assert faults.latency_ms == 250
    client.post("/demo/sandbox", data={"action": "outage_off"})
    assert not faults.down


def test_sandbox_switch_refuses_cross_site_posts(client, faults):
    resp = client.post("/demo/sandbox", data={"action": "outage_on"}, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403 and not faults.down
    resp = client.post("/demo/sandbox", data={"action": "outage_on"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403 and not faults.down


def test_widget_context_renewal(client, services):
    ctx = client.get("/demo/accounts/ACC-1002/widget-context").get_json()["ctx"]
    assert demo(services).verify_widget_credential(ctx).object_id == "ACC-1002"


def test_deals_json_lists_the_accounts_deals(client):
    deals = client.get("/demo/accounts/ACC-1001/deals.json").get_json()["deals"]
    assert {d["id"] for d in deals} == {"D-2001", "D-2008"}
    assert all(d["status"] == "open" and d["erp_order_number"] is None for d in deals)
