"""CRM connectors: one package per vendor behind app.crm.base.CRMConnector."""
