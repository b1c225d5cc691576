"""Ranking ERP customers for a search: fuzzy names, exact tax ids, domains and phones."""
from __future__ import annotations

from app.domain.customer import CustomerQuery, ERPCustomer, email_domain, fold, phone_key, tax_key
from app.linking.search import NAME_THRESHOLD, name_score, rank

MUELLER = ERPCustomer("C1", "Müller & Söhne GmbH", tax_id="DE 123 456 789", email="a@mueller-soehne.de",
                      phone="+49 30 1234 5678")
ACME = ERPCustomer("C2", "Acme Corporation", website="https://www.acme.example/")


def test_folding_meets_both_spellings_of_umlauts():
    assert fold("Müller & Söhne") == fold("MUELLER   soehne") == "mueller soehne"
    assert name_score("Muller", "Müller & Söhne GmbH") >= NAME_THRESHOLD
    assert name_score("Mueller", "Müller & Söhne GmbH") >= NAME_THRESHOLD
    assert name_score("Acme", "Müller & Söhne GmbH") < NAME_THRESHOLD


def test_normalised_keys():
    assert tax_key("de-123.456 789") == "DE123456789"
    assert phone_key("+49 (30) 1234-5678") == phone_key("030 12345678") == "12345678"
    assert email_domain("Someone@Mueller-Soehne.DE") == "mueller-soehne.de"
    assert email_domain("https://www.acme.example/contact") == "acme.example"
    assert email_domain("not a domain") == ""


def test_exact_identifiers_score_100_and_beat_names():
    query = CustomerQuery(name="Acme", tax_id="DE123456789")
    ranked = rank(query, [ACME, MUELLER])
    assert [(m.customer.customer_id, m.score, m.matched_on) for m in ranked] == [
        ("C1", 100, ("tax_id",)), ("C2", ranked[1].score, ("name",))]
    assert ranked[0].strong


def test_the_website_domain_counts_as_the_email_domain():
    assert [m.customer.customer_id for m in rank(CustomerQuery(email_domain="acme.example"), [ACME, MUELLER])] == ["C2"]


def test_a_short_phone_fragment_matches_nothing_and_duplicates_collapse():
    assert rank(CustomerQuery(phone="5678"), [MUELLER]) == []
    assert len(rank(CustomerQuery(name="Mueller"), [MUELLER, MUELLER])) == 1


def test_name_words_cover_the_spellings_an_erp_filter_needs():
    words = CustomerQuery(name="Mueller & Co").name_words()
    assert {"Mueller", "müller", "Müller", "mueller"} <= set(words) and "Co" not in words
