"""TenantSettingsService against the real tenant store (SQLite) and ERP registry."""
from __future__ import annotations

import pytest

from app.errors import NotFound
from app.linking.service import LinkingService
from app.ops.admin_audit import Actor
from app.tenants.settings_rules import SettingsInvalid
from app.tenants.settings_service import TenantSettingsService
from tests.fakes import credential_erp


class PanelSpy:
    def __init__(self):
        self.forgotten: list[str] = []

    def forget_tenant(self, tenant_id: str) -> int:
        self.forgotten.append(tenant_id)
        return 0


class RegistrySpy:
    """The real registry, recording which tenants' connectors were forgotten."""

    def __init__(self, real):
        self.real = real
        self.forgotten: list[str] = []

    def build(self, conn):
        return self.real.build(conn)

    def connector_from(self, tenant_id, conn):
        return self.real.connector_from(tenant_id, conn)

    def available(self) -> list[str]:
        return self.real.available()

    def forget(self, tenant_id: str) -> None:
        self.forgotten.append(tenant_id)
        self.real.forget(tenant_id)


@pytest.fixture
def panel():
    return PanelSpy()


@pytest.fixture
def erp(services):
    return RegistrySpy(services.erp)


@pytest.fixture
def service(services, erp, panel):
    return TenantSettingsService(services.tenants, erp, panel, services.ops.admin_audit.by(Actor("admin-1", "admin_api")),
                                 LinkingService(services.tenants, erp, services.crm))


@pytest.fixture
def tenant(services):
    return services.tenants.upsert_tenant("demo", "unit-co", "Unit Co")


@pytest.fixture
def fake_erp():
    with credential_erp.registered() as name:
        yield name


GOOD = {"url": "https://erp.example.com", "api_key": credential_erp.GOOD_KEY}


def test_save_connection_stores_splits_secrets_and_forgets_caches(service, services, tenant, fake_erp, erp, panel):
    conn = service.save_connection(tenant.id, fake_erp, dict(GOOD, api_secret="s2"))
    assert conn.config == {"url": "https://erp.example.com", "company": "Main"}
    assert conn.secrets == {"api_key": credential_erp.GOOD_KEY, "api_secret": "s2"}
    assert services.tenants.get_erp_connection(tenant.id) == conn
    assert erp.forgotten == [tenant.id] and panel.forgotten == [tenant.id]


def test_blank_secret_is_kept_only_for_the_same_connector(service, services, tenant, fake_erp):
    service.save_connection(tenant.id, fake_erp, GOOD)
    kept = service.prepare_connection(tenant.id, fake_erp, {"url": "https://other.example.com", "api_key": ""})
    assert kept.secrets == {"api_key": credential_erp.GOOD_KEY}
    service.save_connection(tenant.id, "sandbox", {})
    with pytest.raises(SettingsInvalid) as err:
        service.prepare_connection(tenant.id, fake_erp, {"url": "https://erp.example.com"})
    assert err.value.by_field() == {"api_key": ["API key is required."]}


def test_unknown_connector_and_unknown_fields_are_rejected(service, tenant, fake_erp):
    with pytest.raises(SettingsInvalid) as err:
        service.prepare_connection(tenant.id, "sap", {})
    assert err.value.reason == "unknown_connector"
    with pytest.raises(SettingsInvalid) as err:
        service.prepare_connection(tenant.id, fake_erp, dict(GOOD, colour="red"))
    assert err.value.reason == "unknown_setting_field"


def test_unbuildable_settings_are_not_saved(service, services, tenant, fake_erp, panel):
    with pytest.raises(SettingsInvalid) as err:
        service.save_connection(tenant.id, fake_erp, dict(GOOD, url="ftp://erp.example.com"))
    assert err.value.reason == "invalid_setting_value"
    assert "ftp://" not in err.value.detail                  # exception text is not echoed
    assert services.tenants.get_erp_connection(tenant.id) is None
    assert panel.forgotten == []


def test_test_connection_reports_ok_auth_failure_and_outage(service, tenant, fake_erp, faults):
    assert service.test_connection(tenant.id, fake_erp, GOOD).ok is True
    bad = service.test_connection(tenant.id, fake_erp, dict(GOOD, api_key="nope"))
    assert (bad.ok, bad.reason) == (False, "erp_auth_failed")
    unbuildable = service.test_connection(tenant.id, fake_erp, dict(GOOD, url="http://plain"))
    assert (unbuildable.ok, unbuildable.reason) == (False, "invalid_setting_value")
    faults.down = True
    down = service.test_connection(tenant.id, "sandbox", {})
    assert (down.ok, down.reason) == (False, "erp_unavailable")


def test_connector_bug_during_test_still_gives_an_answer(service, tenant, fake_erp, monkeypatch):
    def explode(self):
        raise RuntimeError("token=abc leaked?")
    monkeypatch.setattr(credential_erp.CredentialCheckingERP, "check_connection", explode)
    check = service.test_connection(tenant.id, fake_erp, GOOD)
    assert (check.ok, check.reason) == (False, "connector_error")
    assert "abc" not in check.message


def test_update_settings_is_partial_and_validated(service, services, tenant, panel):
    service.update_settings(tenant.id, {"status_translations": {"open": "Offen"}, "shadow_mode": True})
    saved = services.tenants.get(tenant.id).settings
    assert saved.translate_status("open") == "Offen" and saved.translate_status("closed") == "Closed"
    assert saved.shadow_mode is True and saved.credit_hold_policy == "block"
    assert panel.forgotten == [tenant.id]
    with pytest.raises(SettingsInvalid) as err:
        service.update_settings(tenant.id, {"shadow_mode": "yes", "frame_origins": ["https://evil"]})
    assert {i.reason for i in err.value.issues} == {"not_boolean", "unknown_setting"}
    assert services.tenants.get(tenant.id).settings == saved


def test_update_settings_unknown_tenant(service):
    with pytest.raises(NotFound):
        service.update_settings("no-such-tenant", {})


def test_links_are_validated_and_scoped_to_the_tenant(service, services, tenant):
    with pytest.raises(SettingsInvalid) as unconnected:
        service.link_account(tenant.id, "ACC-1", "CUST-0001")
    assert unconnected.value.reason == "erp_not_configured"
    services.tenants.save_erp_connection(tenant.id, "sandbox", {}, {})
    assert service.link_account(tenant.id, " ACC-1 ", " CUST-0001 ").name == "Müller & Söhne GmbH"
    assert services.tenants.list_links(tenant.id) == {"ACC-1": "CUST-0001"}
    for customer, reason in (("CUST-NOPE", "unknown_customer"), ("CUST-0011", "customer_disabled")):
        with pytest.raises(SettingsInvalid) as refused:
            service.link_account(tenant.id, "ACC-2", customer)
        assert refused.value.reason == reason and "ACC-2" not in services.tenants.list_links(tenant.id)
    with pytest.raises(SettingsInvalid) as err:
        service.link_account(tenant.id, "", "C" * 200)
    assert {i.reason for i in err.value.issues} == {"missing_required_field", "too_long"}
    other = services.tenants.upsert_tenant("demo", "other-unit-co")
    with pytest.raises(NotFound):
        service.unlink_account(other.id, "ACC-1")
    service.unlink_account(tenant.id, "ACC-1")
    assert services.tenants.list_links(tenant.id) == {}


@pytest.mark.parametrize(("given", "stored"), [("5", "5"), (" 2,5 ", "2.5"), (0, "0"), ("100", "100"), ("7.50", "7.5")])
def test_price_tolerance_is_a_percentage(service, services, tenant, given, stored):
    service.update_settings(tenant.id, {"price_tolerance_percent": given})
    assert services.tenants.get(tenant.id).settings.price_tolerance_percent == stored


@pytest.mark.parametrize("given", ["-1", "101", "two", "", None, True, "NaN", "1e400"])
def test_a_price_tolerance_outside_0_to_100_is_refused(service, tenant, given):
    with pytest.raises(SettingsInvalid) as info:
        service.update_settings(tenant.id, {"price_tolerance_percent": given})
    assert info.value.reason == "not_a_percentage" and "0 to 100" in info.value.detail
