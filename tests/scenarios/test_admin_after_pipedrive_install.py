"""A Pipedrive admin lands on the settings page after the OAuth install and configures the ERP there."""
from __future__ import annotations

from tests.fakes.pipedrive_fixtures import *  # noqa: F403  (Pipedrive fixtures)
from tests.fakes.pipedrive_fixtures import install
from tests.scenarios.admin_support import CSRF_RE, page_text

SAME_ORIGIN = {"Origin": "https://erp-panel.test", "Sec-Fetch-Site": "same-origin"}


def test_pipedrive_admin_lands_signed_in_and_connects_the_erp(browser, fake, pd_services):
    landing = install(browser, fake)
    assert landing.headers["Location"] == "/admin/settings"
    tenant = pd_services.tenants.find("pipedrive", str(fake.company.company_id))
    page = browser.get("/admin/settings")
    body = page_text(page)
    assert page.status_code == 200 and f"Installed in pipedrive account <code>{tenant.installation_id}</code>" in body
    assert '<a href="/pipedrive/settings/fields">Pipedrive fields (ERP customer ID, order number, status)</a>' in body
    csrf = CSRF_RE.search(body).group(1)

    tested = browser.post("/admin/settings/erp", headers=SAME_ORIGIN, data={
        "connector": "sandbox", "action": "test", "setting-seed": "7", "csrf_token": csrf})
    assert "The connection works." in page_text(tested)
    saved = browser.post("/admin/settings/erp", headers=SAME_ORIGIN, data={
        "connector": "sandbox", "action": "save", "setting-seed": "7", "csrf_token": csrf})
    assert saved.status_code == 303
    assert pd_services.tenants.get_erp_connection(tenant.id).config == {"seed": "7"}

    forged = browser.post("/admin/settings/links", data={"crm_account_id": "7", "erp_customer_id": "X",
                                                         "csrf_token": csrf},
                          headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and pd_services.tenants.list_links(tenant.id) == {}
