"""The demo CRM moves a deal's sandbox order on (deliver, invoice, pay) and the deal shows each new status."""
from __future__ import annotations

from tests.fakes.orders import deal_row, drain


def test_deliver_invoice_pay_from_the_demo(app, services, clock):
    client = app.test_client()
    client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    drain(services, clock)
    assert "Deliver" in client.get("/demo/accounts/ACC-1001").get_data(as_text=True)
    for step, text in (("deliver", "Delivered"), ("invoice", "Invoiced"), ("pay", "Paid")):
        response = client.post("/demo/deals/D-2001/erp-step", data={"step": step, "back": "/demo/accounts/ACC-1001"})
        assert response.status_code == 303
        drain(services, clock)
        assert deal_row(services, "D-2001")["erp_order_status"] == text


def test_a_deal_without_an_order_or_a_bad_step_is_refused(app):
    client = app.test_client()
    assert client.post("/demo/deals/D-2001/erp-step", data={"step": "deliver"}).status_code == 404
    assert client.post("/demo/deals/D-2001/erp-step", data={"step": "ship"}).status_code == 400
