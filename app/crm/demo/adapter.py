"""The demo CRM as a CRMAdapter."""
from __future__ import annotations

from app.crm.base import WidgetIdentity
from app.crm.demo.connector import DemoCRM, DemoCRMConnector


class DemoCRMAdapter:
    name = "demo"

    def __init__(self, crm: DemoCRM):
        self.crm = crm

    def verify_widget_credential(self, credential: str) -> WidgetIdentity:
        return self.crm.verify_widget_credential(credential)

    def connector_for(self, tenant) -> DemoCRMConnector:
        return DemoCRMConnector(self.crm, tenant.crm_account_key)
