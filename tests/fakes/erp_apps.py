"""The whole app with the demo tenant connected to the ERPNext or Odoo fake (scenario tests).

The demo tenant takes its ERP connection from ERP_CONNECTOR + ERP_CONFIG_* / ERP_SECRET_*
(app.erp.registry.env_connection), exactly as a deployment would configure it.
"""
from __future__ import annotations

import responses

from app import create_app
from tests.fakes import erpnext as erpnext_fake
from tests.fakes import odoo as odoo_fake
from tests.fakes.browser_client import browser_like

ENVIRONMENTS = {
    "erpnext": {"ERP_CONFIG_URL": erpnext_fake.URL, "ERP_CONFIG_COMPANY": erpnext_fake.COMPANY,
                "ERP_SECRET_API_KEY": erpnext_fake.API_KEY, "ERP_SECRET_API_SECRET": erpnext_fake.API_SECRET},
    "odoo": {"ERP_CONFIG_URL": odoo_fake.URL, "ERP_CONFIG_DATABASE": odoo_fake.DATABASE,
             "ERP_CONFIG_LOGIN": odoo_fake.LOGIN, "ERP_CONFIG_API_FLAVOUR": "auto",
             "ERP_SECRET_API_KEY": odoo_fake.API_KEY},
}


def app_on(vendor: str, base_config: dict, clock, faults, monkeypatch, **env: str):
    """Generator for a fixture: yields (app, fake, vendor) with the demo tenant on the vendor fake
    (``env`` overrides single ERP_CONFIG_* / ERP_SECRET_* variables)."""
    for key, value in {**ENVIRONMENTS[vendor], **env}.items():
        monkeypatch.setenv(key, value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = (erpnext_fake.FakeERPNext if vendor == "erpnext" else odoo_fake.FakeOdoo)(mock, clock)
        app = browser_like(create_app({**base_config, "erp_connector": vendor, "erp_timeout": 4.0,
                                       "erp_http_sleep": lambda _s: None}, clock=clock, sandbox_faults=faults))
        yield app, fake, vendor
        app.extensions["erp_panel"].close()


