"""The "can I sell?" line: hold, over limit, overdue and credit room; the hold outlives the stale limit."""
from decimal import Decimal

import pytest

from app.panel.glance import deal_room, glance
from app.panel.model import DataKind, SectionState
from app.panel.present import panel_dict


def read(services, tenant, account):
    return services.panel.read(tenant, account)


def test_hold_survives_an_outage_past_the_stale_limit_with_its_date(services, demo_tenant, faults, clock):
    first = read(services, demo_tenant, "ACC-1007")              # Zürich Präzision: on hold, overdue invoices
    read_at = first.sections[DataKind.CREDIT].as_of
    g = glance(first, clock.now().date())
    assert g["verdict"] == "on_hold" and g["on_hold"] and not g["hold_last_known"] and g["hold_as_of"] == read_at
    assert g["unreachable_since"] is None
    faults.down = True
    clock.advance(300 + 900 + 60)                               # credit past ttl + stale limit
    down_at = clock.now()
    view = read(services, demo_tenant, "ACC-1007")
    assert view.sections[DataKind.CREDIT].data is None
    assert view.sections[DataKind.CREDIT].state in (SectionState.RETRYING, SectionState.UNAVAILABLE)
    assert view.sections[DataKind.INVOICES].state == SectionState.STALE        # invoices keep 4 h
    g = glance(view, clock.now().date())
    assert g["verdict"] == "on_hold" and g["hold_last_known"] and g["hold_as_of"] == read_at
    assert g["unreachable_since"] == down_at and g["overdue_count"] >= 1
    assert g["available_credit"] is None                        # too old to count on; only the hold persists
    assert view.customer_name == "Zürich Präzision AG"          # the name does not vanish with the credit section
    assert g["headline"].startswith("On credit hold (last known)")
    clock.advance(8)
    later = read(services, demo_tenant, "ACC-1007")
    assert glance(later, clock.now().date())["unreachable_since"] == down_at    # since the first failure


def test_the_panel_api_carries_the_glance_and_plain_messages(client, services, demo_tenant, widget_headers, faults,
                                                            clock):
    assert client.get("/api/v1/panel/accounts/ACC-1003", headers=widget_headers).status_code == 200
    faults.down = True
    clock.advance(3600)
    token, _ = services.widget_tokens.mint(demo_tenant.id, "rep-1", "demo")
    body = client.get("/api/v1/panel/accounts/ACC-1003", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["customer_name"] == "Café Lumière SARL"
    assert body["glance"]["verdict"] == "on_hold" and body["glance"]["hold_last_known"] is True
    assert body["glance"]["unreachable_since"] and body["sections"]["credit"]["unreachable_since"]
    for section in body["sections"].values():
        assert "503" not in section["message"] and "Sandbox" not in section["message"]
        assert section["reason"] == "erp_unavailable"             # the technical reason stays a code


def test_overdue_customer_gets_count_and_oldest_days(services, demo_tenant, clock):
    view = read(services, demo_tenant, "ACC-1004")              # Nordic Fjord: overdue invoices
    g = glance(view, clock.now().date())
    invoices = view.sections[DataKind.INVOICES].data
    late = [i for i in invoices if i.is_overdue(clock.now().date())]
    assert g["verdict"] in ("overdue", "over_limit") and g["overdue_count"] == len(late) > 0
    assert g["oldest_overdue_days"] == max(i.days_overdue(clock.now().date()) for i in late)
    assert f"{len(late)} overdue invoice" in g["headline"]


def test_good_customer_reads_good_to_sell_with_the_credit_room(services, demo_tenant, clock):
    g = glance(read(services, demo_tenant, "ACC-1001"), clock.now().date())
    assert g["verdict"] == "ok" and g["on_hold"] is False and g["overdue_count"] == 0
    assert g["headline"].startswith("Good to sell")


def test_not_linked_has_no_glance(services, demo_tenant, clock):
    view = read(services, demo_tenant, "ACC-1008")
    assert glance(view, clock.now().date()) is None and panel_dict(view, clock.now().date())["glance"] is None


def test_refused_read_gives_a_plain_sentence_without_vendor_text(services, demo_tenant, faults, monkeypatch):
    from app.erp.sandbox.connector import SandboxERP
    from app.errors import ERP, UpstreamAuthFailed

    def refuse(self, customer_id):
        raise UpstreamAuthFailed("Sandbox ERP said 401 Unauthorized: token expired", side=ERP)

    monkeypatch.setattr(SandboxERP, "get_credit", refuse)
    credit = read(services, demo_tenant, "ACC-1001").sections[DataKind.CREDIT]
    assert credit.state == SectionState.ERROR and credit.reason == "erp_auth_failed"
    assert "401" not in credit.message and "Sandbox" not in credit.message and "admin" in credit.message


@pytest.mark.parametrize("limit,available,amount,currency,covers,short", [
    (None, None, "500", "EUR", True, None),
    ("1000", "300", "500", "EUR", False, "200"),
    ("1000", "800", "500", "EUR", True, None),
    ("1000", "800", "500", "USD", None, None),
])
def test_deal_room(limit, available, amount, currency, covers, short):
    g = {"on_hold": False, "credit_limit": limit and Decimal(limit), "currency": "EUR",
         "available_credit": available and Decimal(available)}
    room = deal_room(g, Decimal(amount), currency)
    assert room["covers"] is covers and room["short_by"] == (short and Decimal(short))


def test_deal_room_unknown_credit():
    assert deal_room({"on_hold": None, "credit_limit": None, "currency": "", "available_credit": None},
                     Decimal(1), "EUR")["covers"] is None
    assert deal_room(None, Decimal(1), "EUR") is None
