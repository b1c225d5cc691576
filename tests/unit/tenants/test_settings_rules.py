"""Validation rules of admin-editable settings."""
from __future__ import annotations

from app.tenants.settings_rules import (
    MAX_STOCK_ITEMS,
    Issue,
    SettingsInvalid,
    check_credit_policy,
    check_field_mapping,
    check_status_translations,
    check_stock_items,
    clean_text,
)


def test_clean_text_trims_and_reports_missing_wrong_type_and_too_long():
    issues: list[Issue] = []
    assert clean_text("  x  ", "f", "Field", issues) == "x"
    assert issues == []
    clean_text("   ", "f", "Field", issues)
    clean_text(42, "g", "Gauge", issues)
    clean_text("y" * 11, "h", "Height", issues, max_length=10)
    assert [(i.field, i.reason) for i in issues] == [("f", "missing_required_field"), ("g", "not_text"),
                                                   ("h", "too_long")]
    assert issues[0].message == "Field is required."
    optional: list[Issue] = []
    assert clean_text(None, "o", "Optional", optional, required=False) == ""
    assert optional == []


def test_credit_policy_must_be_known():
    issues: list[Issue] = []
    assert check_credit_policy("create_and_flag", issues) == "create_and_flag" and not issues
    check_credit_policy("maybe", issues)
    assert issues[0].reason == "unknown_credit_policy"


def test_status_translations_accept_only_canonical_statuses():
    issues: list[Issue] = []
    out = check_status_translations({"open": " Offen ", "lost": "Verloren", "closed": ""}, issues)
    assert out == {"open": "Offen", "closed": ""}
    assert {(i.field, i.reason) for i in issues} == {("status_translations.lost", "unknown_status"),
                                                     ("status_translations.closed", "missing_required_field")}
    check_status_translations(["open"], issues)
    assert issues[-1].reason == "not_a_mapping"


def test_field_mapping_keys_are_validated_against_the_order_fields():
    issues: list[Issue] = []
    good = {"delivery_date": "field:due", "title": "deal.title", "notes": "literal:From the CRM"}
    assert check_field_mapping(good, issues) == good
    assert issues == []
    check_field_mapping({"colour": "c", "notes": " "}, issues)
    assert [(i.field, i.reason) for i in issues] == [("field_mapping.colour", "bad_field_mapping_key"),
                                                   ("field_mapping.notes", "missing_required_field")]


def test_field_mapping_sources_follow_the_order_flow_grammar():
    issues: list[Issue] = []
    check_field_mapping({"po_reference": "po_hash", "notes": "field:", "title": "deal.name"}, issues)
    assert [i.reason for i in issues] == ["bad_field_mapping_source"] * 3
    assert "Use field:<CRM deal field key>" in issues[0].message


def test_stock_items_dedupe_and_limit():
    issues: list[Issue] = []
    assert check_stock_items(["A", " B ", "A"], issues) == ["A", "B"] and not issues
    check_stock_items([f"I{n}" for n in range(MAX_STOCK_ITEMS + 1)], issues)
    assert issues[-1].reason == "too_many_items"
    check_stock_items("A,B", issues)
    assert issues[-1].reason == "not_a_list"


def test_settings_invalid_collects_every_issue():
    exc = SettingsInvalid([Issue("a", "r1", "A is wrong."), Issue("b", "r2", "B is wrong."),
                           Issue("a", "r1", "A is also wrong.")])
    assert exc.status == 422
    assert exc.reason == "invalid_settings"
    assert exc.detail == "A is wrong. B is wrong. A is also wrong."
    assert exc.by_field() == {"a": ["A is wrong.", "A is also wrong."], "b": ["B is wrong."]}
    assert exc.extra["reasons"] == {"a": "r1", "b": "r2"}
    assert SettingsInvalid([Issue("a", "only", "x")]).reason == "only"
