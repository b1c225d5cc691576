"""What ERPNext and Odoo receive when erp-panel creates a customer: the mapped fields, in the vendors' names."""
from __future__ import annotations

import pytest
import responses

from app.domain.customer import NewCustomer
from app.errors import UpstreamRejected
from tests.contract.erp.harness import erpnext_harness, odoo_harness

NEW = NewCustomer("Nordlicht Handel AG", address="Kaiserweg 3", city="Hamburg", postal_code="20095", country="DE",
                  tax_id="DE 555 444 333", currency="EUR", email="info@nordlicht.example")


def test_erpnext_gets_a_company_customer_with_quick_entry_contact_and_address(clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        erp = erpnext_harness(clock, mock)
        created = erp.connector.create_customer(NEW)
        assert erp.fake.created_customers == [{
            "customer_name": "Nordlicht Handel AG", "customer_type": "Company", "tax_id": "DE 555 444 333",
            "default_currency": "EUR", "email_id": "info@nordlicht.example", "address_line1": "Kaiserweg 3",
            "city": "Hamburg", "pincode": "20095", "country": "DE"}]
        assert [r.method for r in erp.requests("/api/resource/Customer")] == ["POST"]   # one request, no retry
        assert (created.customer_id, created.currency) == ("Nordlicht Handel AG", "EUR")
        assert created.address == "Kaiserweg 3 20095 Hamburg DE"


def test_erpnext_leaves_empty_fields_to_its_defaults(clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        erp = erpnext_harness(clock, mock)
        erp.connector.create_customer(NewCustomer("Solo GmbH"))
        assert erp.fake.created_customers == [{"customer_name": "Solo GmbH", "customer_type": "Company"}]


@pytest.mark.parametrize("flavour, version", [("json2", 19), ("jsonrpc", 16)])
def test_odoo_gets_a_company_partner_ranked_as_customer(clock, flavour, version):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        erp = odoo_harness(clock, mock, flavour, version)
        created = erp.connector.create_customer(NEW)
        assert erp.fake.created_partners == [{
            "name": "Nordlicht Handel AG", "is_company": True, "customer_rank": 1, "vat": "DE 555 444 333",
            "email": "info@nordlicht.example", "street": "Kaiserweg 3", "city": "Hamburg", "zip": "20095"}]
        assert created.customer_id.isdigit() and created.name == "Nordlicht Handel AG"
        assert (created.city, created.postal_code) == ("Hamburg", "20095")


def test_a_refused_creation_is_the_vendors_sentence_and_not_retried(clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        erp = odoo_harness(clock, mock)
        with pytest.raises(UpstreamRejected) as info:
            erp.connector.create_customer(NewCustomer(""))
        assert "require a name" in info.value.message
        assert len(erp.requests("res.partner/create")) == 1
