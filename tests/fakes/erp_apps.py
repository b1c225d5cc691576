"""The whole app with the demo tenant connected to a real connector's fake (scenario tests).

The demo tenant takes its ERP connection from ERP_CONNECTOR + ERP_CONFIG_* / ERP_SECRET_*
(app.erp.registry.env_connection), exactly as a deployment would configure it.
"""
from __future__ import annotations

import responses

from app import create_app
from tests.fakes import businesscentral as bc_fake
from tests.fakes import erpnext as erpnext_fake
from tests.fakes import netsuite as netsuite_fake
from tests.fakes import odoo as odoo_fake
from tests.fakes.browser_client import browser_like

ENVIRONMENTS = {
    "erpnext": {"ERP_CONFIG_URL": erpnext_fake.URL, "ERP_CONFIG_COMPANY": erpnext_fake.COMPANY,
                "ERP_SECRET_API_KEY": erpnext_fake.API_KEY, "ERP_SECRET_API_SECRET": erpnext_fake.API_SECRET},
    "odoo": {"ERP_CONFIG_URL": odoo_fake.URL, "ERP_CONFIG_DATABASE": odoo_fake.DATABASE,
             "ERP_CONFIG_LOGIN": odoo_fake.LOGIN, "ERP_CONFIG_API_FLAVOUR": "auto",
             "ERP_SECRET_API_KEY": odoo_fake.API_KEY},
    "netsuite": {"ERP_CONFIG_ACCOUNT_ID": netsuite_fake.ACCOUNT, "ERP_CONFIG_CLIENT_ID": netsuite_fake.CLIENT_ID,
                 "ERP_CONFIG_CERTIFICATE_ID": netsuite_fake.CERTIFICATE_ID,
                 "ERP_SECRET_PRIVATE_KEY": netsuite_fake.PRIVATE_KEY_PEM},
    "businesscentral": {"ERP_CONFIG_TENANT_ID": bc_fake.TENANT, "ERP_CONFIG_ENVIRONMENT": bc_fake.ENVIRONMENT,
                        "ERP_CONFIG_COMPANY_ID": bc_fake.COMPANY_ID, "ERP_CONFIG_CLIENT_ID": bc_fake.CLIENT_ID,
                        "ERP_SECRET_CLIENT_SECRET": bc_fake.CLIENT_SECRET},
}
FAKES = {"erpnext": erpnext_fake.FakeERPNext, "odoo": odoo_fake.FakeOdoo, "netsuite": netsuite_fake.FakeNetSuite,
         "businesscentral": bc_fake.FakeBusinessCentral}
#: fault filter that hits only the order insert
CREATE_ROUTES = {"erpnext": "POST /api/resource/Sales", "odoo": "sale.order/create",
                 "netsuite": "POST /services/rest/record/v1/salesOrder", "businesscentral": "POST /v2.0/"}
#: (order number, order lines) of an order stored by each fake
ORDER_FIELDS = {"erpnext": ("name", "items"), "odoo": ("name", "order_line"), "netsuite": ("tranId", "lines"),
                "businesscentral": ("number", "_lines")}


def app_on(vendor: str, base_config: dict, clock, faults, monkeypatch, **env: str):
    """Generator for a fixture: yields (app, fake, vendor) with the demo tenant on the vendor fake
    (``env`` overrides single ERP_CONFIG_* / ERP_SECRET_* variables)."""
    for key, value in {**ENVIRONMENTS[vendor], **env}.items():
        monkeypatch.setenv(key, value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FAKES[vendor](mock, clock)
        app = browser_like(create_app({**base_config, "erp_connector": vendor, "erp_timeout": 4.0}, clock=clock, sandbox_faults=faults))
        yield app, fake, vendor
        app.extensions["erp_panel"].close()
