"""ERP connectors: one package per vendor, all behind app.erp.base.ERPConnector."""
