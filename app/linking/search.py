"""ERP customer search for account linking: the connector finds candidates, this module ranks them.

Names are compared fuzzily with rapidfuzz's ``WRatio`` (https://rapidfuzz.github.io/RapidFuzz/Usage/fuzz.html)
on folded text (case, accents, ä = ae and ä = a, punctuation: ``app.domain.customer.fold``), so "Mueller" finds
"Müller & Söhne GmbH". A tax id, an e-mail domain or a phone number either matches or does not (after
normalising their spelling); each one that matches lifts the score to 100.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from app.domain.customer import CustomerQuery, ERPCustomer, email_domain, fold, fold_plain, phone_key, tax_key
from app.erp.base import ERPConnector

#: a name scoring at least this is shown as a match (0-100)
NAME_THRESHOLD = 70
#: a match this strong is "probably the same customer": creation refuses it unless confirmed
STRONG_MATCH = 90
#: most results a search answers
MAX_RESULTS = 20


@dataclass(frozen=True)
class CustomerMatch:
    """One ERP customer found for a query, how well it matches (0-100) and on what."""

    customer: ERPCustomer
    score: int
    matched_on: tuple[str, ...]

    @property
    def strong(self) -> bool:
        return self.score >= STRONG_MATCH


def name_score(query: str, name: str) -> int:
    """How alike two company names are (0-100), ignoring case, accents and punctuation."""
    if not query.strip() or not name.strip():
        return 0
    return round(max(fuzz.WRatio(fold(query), fold(name)), fuzz.WRatio(fold_plain(query), fold_plain(name))))


def score(query: CustomerQuery, customer: ERPCustomer) -> CustomerMatch | None:
    """The customer as a match for the query, or None when nothing about it matches."""
    matched: list[str] = []
    best = 0
    by_name = name_score(query.name, customer.name) if query.name.strip() else 0
    if by_name >= NAME_THRESHOLD:
        matched.append("name")
        best = by_name
    if query.tax() and tax_key(customer.tax_id) == query.tax():
        matched.append("tax_id")
    if query.domain() and query.domain() in (customer.email_domain, email_domain(customer.website)):
        matched.append("email_domain")
    phone = phone_key(query.phone)
    if len(phone) >= 6 and phone_key(customer.phone) == phone:
        matched.append("phone")
    if not matched:
        return None
    if matched != ["name"]:
        best = 100
    return CustomerMatch(customer, best, tuple(matched))


def rank(query: CustomerQuery, candidates: list[ERPCustomer]) -> list[CustomerMatch]:
    """The candidates that match, best first (then by name), one per customer id."""
    seen: dict[str, CustomerMatch] = {}
    for customer in candidates:
        match = score(query, customer)
        if match is not None and (customer.customer_id not in seen or seen[customer.customer_id].score < match.score):
            seen[customer.customer_id] = match
    ordered = sorted(seen.values(), key=lambda m: (-m.score, fold(m.customer.name), m.customer.customer_id))
    return ordered[:min(query.limit, MAX_RESULTS)]


def search(connector: ERPConnector, query: CustomerQuery) -> list[CustomerMatch]:
    """Ask the ERP for candidates (one request), rank them here."""
    if query.empty:
        return []
    return rank(query, connector.search_customers(query))
