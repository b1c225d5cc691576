"""Reading the settings page's forms."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.web.admin.forms import erp_values, order_changes, submitted_order_form


def test_erp_values_take_only_setting_inputs():
    form = MultiDict({"csrf_token": "t", "connector": "x", "action": "save", "setting-url": "u",
                      "setting-api_key": ""})
    assert erp_values(form) == {"url": "u", "api_key": ""}


def test_order_changes_read_every_input():
    form = MultiDict([("credit_hold_policy", "block"), ("status-open", "Offen"), ("stock_items", "A\nB, C\n\n"),
                      ("mapping_key", "notes"), ("mapping_source", "field:deal_notes"),
                      ("mapping_key", ""), ("mapping_source", "")])
    changes, issues = order_changes(form)
    assert issues == []
    assert changes == {"credit_hold_policy": "block", "shadow_mode": False, "default_warehouse": "",
                       "status_translations": {"open": "Offen"}, "stock_items": ["A", "B, C"],
                       "field_mapping": {"notes": "field:deal_notes"}}


def test_mapping_rows_without_a_key_or_twice_the_same_key_are_issues():
    form = MultiDict([("mapping_key", ""), ("mapping_source", "orphan"),
                      ("mapping_key", "notes"), ("mapping_source", "a"),
                      ("mapping_key", "notes"), ("mapping_source", "b")])
    changes, issues = order_changes(form)
    assert [i.reason for i in issues] == ["missing_mapping_key", "duplicate_mapping_key"]
    assert "orphan" in issues[0].message
    assert changes["field_mapping"] == {"notes": "a"}
    shown = submitted_order_form(form)
    assert shown["mapping_rows"] == [("", "orphan"), ("notes", "a"), ("notes", "b")]

