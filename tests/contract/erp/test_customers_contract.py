"""Customer search and look-up contract: every ERP connector finds the customers an admin links to.

The connector asks its ERP once per search (the vendor's own filters: Frappe ``or_filters``, an Odoo
domain with ``customer_rank > 0``, SuiteQL, OData ``$filter``); the linking service ranks the candidates.
"""
from __future__ import annotations

import math

from app.domain.customer import CustomerQuery
from app.linking.search import search
from tests.contract.erp.harness import PAGE_SIZE


def _ids(erp, query: CustomerQuery) -> list[str]:
    return [m.customer.customer_id for m in search(erp.connector, query)]


def test_a_name_typed_without_umlauts_finds_the_customer(erp):
    matches = search(erp.connector, CustomerQuery(name="Mueller"))
    assert matches and matches[0].customer.customer_id == "CUST-0001"
    assert matches[0].customer.name == "Müller & Söhne GmbH"
    assert "name" in matches[0].matched_on


def test_case_and_accents_do_not_matter(erp):
    assert _ids(erp, CustomerQuery(name="ZÜRICH präzision"))[:1] == ["CUST-0008"]
    assert _ids(erp, CustomerQuery(name="cafe lumière"))[:1] == ["CUST-0004"]


def test_a_tax_id_is_found_however_it_is_spaced(erp):
    matches = search(erp.connector, CustomerQuery(tax_id="de-123456789"))
    assert [m.customer.customer_id for m in matches] == ["CUST-0001"]
    assert matches[0].matched_on == ("tax_id",) and matches[0].score == 100


def test_an_email_domain_finds_the_customer(erp):
    assert _ids(erp, CustomerQuery(email_domain="https://www.cafe-lumiere.fr/contact")) == ["CUST-0004"]
    assert _ids(erp, CustomerQuery(email_domain="someone@acme.example")) == ["CUST-0002"]


def test_a_phone_number_is_found_whatever_its_formatting(erp):
    assert _ids(erp, CustomerQuery(phone="044 1234567")) == ["CUST-0008"]


def test_nothing_matching_finds_nothing(erp):
    assert _ids(erp, CustomerQuery(name="Qwertzuiop Holdings")) == []
    assert _ids(erp, CustomerQuery()) == []


def test_a_disabled_customer_is_not_offered(erp):
    assert "CUST-0011" not in _ids(erp, CustomerQuery(name="Dormant Industries"))


def test_get_customer_knows_active_disabled_and_unknown_customers(erp):
    found = erp.connector.get_customer("CUST-0001")
    assert found is not None and (found.customer_id, found.name, found.disabled) == (
        "CUST-0001", "Müller & Söhne GmbH", False)
    disabled = erp.connector.get_customer("CUST-0011")
    assert disabled is not None and disabled.disabled
    assert erp.connector.get_customer("CUST-NOPE") is None


def test_a_search_is_one_erp_request(erp):
    if erp.fake is None:
        return
    erp.connector.get_customer("CUST-0001")       # sign-in / token requests happen once, before
    before = len(erp.fake.requests_to(""))
    # a name and a domain at once, one customer answering (one page, whatever the harness's page size)
    search(erp.connector, CustomerQuery(name="Mueller", email_domain="mueller-soehne.de"))
    assert len(erp.fake.requests_to("")) - before == 1


def test_get_customers_reads_many_ids_in_one_request(erp):
    erp.connector.get_customer("CUST-0001")       # sign-in / token requests happen once, before
    before = len(erp.fake.requests_to("")) if erp.fake is not None else 0
    found = erp.connector.get_customers(["CUST-0002", "CUST-0011", "CUST-NOPE", "CUST-0002"])
    assert sorted(found) == ["CUST-0002", "CUST-0011"]
    assert found["CUST-0002"].name == "Acme Corporation" and found["CUST-0011"].disabled
    if erp.fake is not None:   # one query for the three distinct ids, paged as the harness pages
        assert len(erp.fake.requests_to("")) - before <= math.ceil(3 / PAGE_SIZE)
