"""Every CRM integration: install (OAuth: one state store, one token store), uninstall by tenant."""
from __future__ import annotations

import pytest

from app.crm.oauth.states import InstallError
from tests.contract.crm.conftest import oauth_only


def test_install_gives_an_active_tenant_for_the_crm_installation(crm, services):
    tenant = crm.installed()
    assert tenant.active and tenant.crm == crm.integration.name and tenant.installation_id
    assert crm.integration.active_tenant(tenant.installation_id) == tenant


def test_oauth_install_stores_tokens_encrypted(crm, services):
    oauth_only(crm)
    tenant = crm.installed()
    creds = services.tenants.get_crm_credentials(tenant.id)
    assert creds.access_token and creds.refresh_token and creds.expires_at > services.clock.now()


def test_an_install_state_works_once_and_only_in_its_browser(crm):
    oauth_only(crm)
    flow = crm.integration.install
    start = flow.start()
    code = crm.consent(start)
    with pytest.raises(InstallError) as other_browser:
        flow.complete(code=code, state=start.state, browser_state="another-browser")
    assert other_browser.value.reason == "state_mismatch"
    flow.complete(code=code, state=start.state, browser_state=start.state)
    with pytest.raises(InstallError) as again:
        flow.complete(code=crm.consent(flow.start()), state=start.state, browser_state=start.state)
    assert again.value.reason == "state_reused"


@pytest.mark.parametrize("code, error, reason", [("", "", "code_missing"), ("x", "access_denied", "consent_denied")])
def test_a_callback_without_consent_installs_nothing(crm, services, code, error, reason):
    oauth_only(crm)
    start = crm.integration.install.start()
    with pytest.raises(InstallError) as info:
        crm.integration.install.complete(code=code, state=start.state, browser_state=start.state, error=error)
    assert info.value.reason == reason
    assert [t for t in services.tenants.list() if t.crm == crm.integration.name] == []


def test_access_token_is_refreshed_before_it_expires(crm, services, clock):
    oauth_only(crm)
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    first = services.tenants.get_crm_credentials(tenant.id).access_token
    clock.advance(crm.token_lifetime - 1)        # inside every vendor's refresh margin, not yet expired
    crm.integration.connector_for(tenant).get_deal(deal_id)
    assert services.tenants.get_crm_credentials(tenant.id).access_token != first


def test_uninstall_is_by_tenant_and_forgets_everything(crm, services):
    tenant = crm.installed()
    services.cache.add(f"{tenant.id}:marker", "1", keep_seconds=60)
    crm.integration.uninstall(tenant)
    assert not services.tenants.get(tenant.id).active
    assert services.tenants.get_crm_credentials(tenant.id) is None
    assert crm.integration.active_tenant(tenant.installation_id) is None
    assert not services.cache.exists(f"{tenant.id}:marker")


def test_settings_links_stay_on_this_site_or_https(crm):
    tenant = crm.installed()
    for link in crm.integration.settings_links(tenant):
        assert link.label and (link.href.startswith("/") or link.href.startswith("https://")), link
