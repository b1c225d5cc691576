"""The admin audit: masking, recording, searching by actor/action/time, the CSV export and its filters."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.ops.admin_audit import Actor, AdminAuditLog, changed_values, mask_secrets, secret_states
from app.ops.audit_csv import audit_csv
from app.ops.audit_query import AuditQuery
from app.tenants.settings_rules import SettingsInvalid

ADMIN = Actor("admin-7", "settings_page")
API = Actor("api-1", "admin_api")


def test_secret_named_values_are_masked_at_any_depth():
    value = {"connector": "erpnext", "config": {"url": "https://erp.example.com", "api_secret": "s3cr3t"},
             "channels": [{"slack_webhook_url": "https://hooks.slack.com/services/T/B/x"}], "password": "",
             "access_token": "tok", "secrets": {"api_key": "changed", "other": "raw-value"}}
    masked = mask_secrets(value)
    assert masked == {"connector": "erpnext", "config": {"url": "https://erp.example.com", "api_secret": "set"},
                      "channels": [{"slack_webhook_url": "set"}], "password": "not set", "access_token": "set",
                      "secrets": {"api_key": "changed", "other": "set"}}
    assert mask_secrets({"seed": "42"}, secret_names={"seed"}) == {"seed": "set"}


def test_secret_states_compare_without_keeping_values():
    before, after = secret_states({"a": "x", "b": "y", "c": "z"}, {"a": "x", "b": "new", "d": "w"})
    assert before == {"a": "set", "b": "set", "c": "set", "d": "not set"}
    assert after == {"a": "unchanged", "b": "changed", "c": "removed", "d": "set"}


def test_changed_values_keep_only_what_differs():
    assert changed_values({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ({"b": 2, "c": None}, {"b": 3, "c": 4})


def test_record_masks_and_refuses_unknown_actions(services):
    log = AdminAuditLog(services.db, services.clock)
    log.record("t1", ADMIN, "erp_connection.save", target="erpnext", before={},
               after={"config": {"url": "https://erp"}, "api_secret": "leak-me"})
    [entry] = log.search("t1")
    assert entry.after == {"config": {"url": "https://erp"}, "api_secret": "set"}
    assert (entry.actor, entry.source, entry.label) == ("admin-7", "settings_page", "ERP connection saved")
    with pytest.raises(ValueError):
        log.record("t1", ADMIN, "made.up")
    with pytest.raises(ValueError):
        log.record("t1", Actor("x", "browser"), "link.save")


def test_search_filters_by_tenant_actor_action_family_and_time(services, clock):
    log = AdminAuditLog(services.db, services.clock)
    log.record("t1", ADMIN, "link.save", target="ACC-1")
    clock.advance(3600)
    log.record("t1", API, "link.remove", target="ACC-1")
    log.record("t1", API, "settings.update", target="shadow_mode")
    log.record("t2", ADMIN, "link.save", target="ACC-9")
    log.record(None, Actor("operator", "operations_page"), "operator.sign_in")
    assert [e.target for e in log.search("t1")] == ["shadow_mode", "ACC-1", "ACC-1"]       # newest first
    assert [e.action for e in log.search("t1", action="link")] == ["link.remove", "link.save"]
    assert [e.action for e in log.search("t1", action="link.save")] == ["link.save"]
    assert [e.action for e in log.search("t1", actor="api-1")] == ["settings.update", "link.remove"]
    start = clock.now()
    assert [e.action for e in log.search("t1", since=start)] == ["link.remove", "settings.update"][::-1]
    assert [e.action for e in log.search("t1", until=start)] == ["link.save"]
    assert [e.action for e in log.search(None)] == ["operator.sign_in"]
    assert log.search("t1", action="link%") == []                  # LIKE wildcards are text


def test_query_parses_dates_and_names_each_bad_value():
    query = AuditQuery.parse({"actor": " admin-7 ", "action": "link", "since": "2026-11-01", "until": "2026-11-02"})
    assert query.actor == "admin-7" and query.action == "link"
    assert query.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert query.until == datetime(2026, 11, 3, tzinfo=UTC)                # the whole end day
    assert AuditQuery.parse({"since": "2026-11-01T10:00:00"}).since == datetime(2026, 11, 1, 10, tzinfo=UTC)
    with pytest.raises(SettingsInvalid) as caught:
        AuditQuery.parse({"action": "drop table", "since": "yesterday", "until": "2026-13-40"})
    assert set(caught.value.by_field()) == {"action", "since", "until"}
    with pytest.raises(SettingsInvalid):
        AuditQuery.parse({"since": "2026-11-05", "until": "2026-11-01"})


def test_csv_export_has_every_column_and_neutralises_formulas(services):
    log = AdminAuditLog(services.db, services.clock)
    log.record("t1", ADMIN, "link.save", target="=HYPERLINK(\"http://evil\")", after={"erp_customer_id": "+1"},
               detail="@SUM(A1)")
    rows = list(csv.reader(io.StringIO(audit_csv(log.search("t1")))))
    assert rows[0] == ["at", "tenant_id", "actor", "source", "action", "target", "before", "after", "detail"]
    at, tenant, actor, source, action, target, before, after, detail = rows[1]
    assert (tenant, actor, source, action) == ("t1", "admin-7", "settings_page", "link.save")
    assert target == "'=HYPERLINK(\"http://evil\")" and detail == "'@SUM(A1)"
    assert before == "" and after == '{"erp_customer_id": "+1"}' and at.startswith(services.clock.now().date().isoformat())
