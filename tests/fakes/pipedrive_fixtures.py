"""Pytest fixtures for tests that talk to the fake Pipedrive (import * from a conftest)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from app.crm.pipedrive.mapping import FIELD_ERP_CUSTOMER
from tests.fakes.browser_client import ClosingClient
from tests.fakes.pipedrive import CLIENT_ID, CLIENT_SECRET, JWT_SECRET, FakePipedrive

BASE = "https://erp-panel.test"
CALLBACK = BASE + "/pipedrive/oauth/callback"


#: settings of an erp-panel with the Pipedrive app configured
PIPEDRIVE_SETTINGS = {"public_base_url": BASE, "pipedrive_client_id": CLIENT_ID,
                      "pipedrive_client_secret": CLIENT_SECRET, "pipedrive_jwt_secret": JWT_SECRET}


@pytest.fixture
def base_config(base_config):
    """The root base_config plus the Pipedrive app settings (so ``app``/``services`` have Pipedrive)."""
    return {**base_config, **PIPEDRIVE_SETTINGS}


@pytest.fixture
def pd_app(app):
    return app


@pytest.fixture
def pd_services(services):
    return services


@pytest.fixture
def browser(pd_app):
    """A test client speaking https (the cookies are Secure / __Host-)."""
    return https_client(pd_app)


class HttpsClient(ClosingClient):
    """Requests go to https://erp-panel.test (the public base URL), so Secure cookies and Origin checks work."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", BASE)
        return super().open(*args, **kwargs)


def https_client(app):
    return HttpsClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake(rsps, clock):
    return FakePipedrive(rsps, clock, CALLBACK)


def start_install(browser) -> str:
    """GET /pipedrive/install; returns the state Pipedrive would echo back."""
    response = browser.get("/pipedrive/install")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://oauth.pipedrive.com/oauth/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    return query["state"][0]


def install(browser, fake):
    """The full happy-path install; returns the callback response."""
    state = start_install(browser)
    return browser.get("/pipedrive/oauth/callback", query_string={"code": fake.authorization_code(),
                                                                   "state": state})


@pytest.fixture
def installed(browser, fake, pd_services):
    response = install(browser, fake)
    assert response.status_code == 303, response.get_data(as_text=True)
    return pd_services.tenants.find("pipedrive", str(fake.company.company_id))


def link_organization(services, tenant, fake) -> str:
    """The demo tenant's ERP connection for ``tenant``, and organization 7 carrying one of the demo's ERP
    customers in the chosen field; returns that customer."""
    key = fake.add_text_field("organization", "ERP customer ID")
    tenant.settings.crm_fields = {FIELD_ERP_CUSTOMER: key}
    services.tenants.save_settings(tenant.id, tenant.settings)
    demo = services.tenants.find("demo", "demo-company")
    conn = services.tenants.get_erp_connection(demo.id)
    services.tenants.save_erp_connection(tenant.id, conn.connector, conn.config, conn.secrets)
    customer = next(iter(services.tenants.list_links(demo.id).values()))
    fake.add_org(7, "ACME GmbH", erp_customer=customer)
    return customer


@pytest.fixture
def linked(installed, fake, pd_services):
    """Organization 7 carries ERP customer C-100 (a sandbox customer) in the chosen field."""
    customer = link_organization(pd_services, installed, fake)
    fake.add_deal(42, 7)
    return pd_services.tenants.get(installed.id), customer
