"""The settings page's order behaviour section: policy, shadow mode, status texts, mapping, stock items."""
from __future__ import annotations

from tests.scenarios.admin_support import page_text, post_form, sign_in_demo_admin


def test_order_behaviour_persists_and_drives_translate_status(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "create_and_flag", "shadow_mode": "on",
        "status-open": "Auftrag offen", "status-closed": "Erledigt",
        "mapping_key": ["delivery_date", "po_reference", ""], "mapping_source": ["field:deal_due", "field:po_no", ""],
        "stock_items": "SKU-1001\n SKU-1003\n\nSKU-1001\n", "default_warehouse": "Main"})
    assert response.status_code == 303, page_text(response)
    settings = services.tenants.get(demo_tenant.id).settings
    assert settings.credit_hold_policy == "create_and_flag"
    assert settings.shadow_mode is True
    assert settings.translate_status("open") == "Auftrag offen"
    assert settings.translate_status("cancelled") == "Cancelled"
    assert settings.field_mapping == {"delivery_date": "field:deal_due", "po_reference": "field:po_no"}
    assert settings.stock_items == ["SKU-1001", "SKU-1003"]
    page = page_text(client.get("/admin/settings?done=orders_saved"))
    assert "Order behaviour was saved." in page and 'value="Auftrag offen"' in page

    assert post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block"}).status_code == 303
    assert services.tenants.get(demo_tenant.id).settings.shadow_mode is False


def test_order_behaviour_errors_are_sentences_and_nothing_is_saved(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "maybe", "status-open": "  ",
        "mapping_key": ["colour"], "mapping_source": ["deal_colour"]})
    assert response.status_code == 422
    body = page_text(response)
    assert "Credit-hold policy must be one of: block, create_and_flag." in body
    assert "The CRM text for status 'open' is required." in body
    assert "'colour' is not an order field that can be mapped" in body
    assert 'value="deal_colour"' in body                       # the admin's input is kept
    assert services.tenants.get(demo_tenant.id).settings.credit_hold_policy == "block"


def test_duplicate_mapping_rows_are_reported(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "block", "mapping_key": ["notes", "notes"], "mapping_source": ["a", "b"]})
    assert response.status_code == 422
    assert "The order field 'notes' is mapped twice" in page_text(response)


def test_mapping_source_that_the_order_flow_cannot_read_is_a_sentence(client, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/orders", {
        "credit_hold_policy": "block", "mapping_key": ["delivery_date"], "mapping_source": ["deal_due"]})
    assert response.status_code == 422
    body = page_text(response)
    assert "The source of 'Requested delivery date' 'deal_due' is not understood." in body
    assert "Use field:<CRM deal field key>" in body


def test_stock_items_chosen_on_the_page_are_what_the_panel_shows(client, demo_tenant, widget_headers):
    sign_in_demo_admin(client)
    before = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    shown = sorted({line["item_code"] for line in before["sections"]["stock"]["data"]})
    assert len(shown) > 2
    chosen = [shown[-1], shown[0]]
    assert post_form(client, "/admin/settings/orders", {"credit_hold_policy": "block",
                                                        "stock_items": "\n".join(chosen)}).status_code == 303
    after = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget_headers).get_json()
    assert {line["item_code"] for line in after["sections"]["stock"]["data"]} == set(chosen)


def test_price_tolerance_is_set_on_the_page_and_a_wrong_one_is_explained(client, services, demo_tenant):
    sign_in_demo_admin(client)
    form = {"credit_hold_policy": "block", "price_tolerance_percent": "5"}
    assert post_form(client, "/admin/settings/orders", form).status_code == 303
    assert services.tenants.get(demo_tenant.id).settings.price_tolerance_percent == "5"
    assert 'id="price_tolerance_percent" name="price_tolerance_percent" type="text" inputmode="decimal" value="5"' in \
        page_text(client.get("/admin/settings"))
    response = post_form(client, "/admin/settings/orders", {**form, "price_tolerance_percent": "150"})
    assert response.status_code == 422 and "Price tolerance must be a number from 0 to 100" in page_text(response)
    assert services.tenants.get(demo_tenant.id).settings.price_tolerance_percent == "5"
