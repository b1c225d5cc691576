"""Installing erp-panel into a CRM with OAuth: one state store, one token store, one flow for every CRM."""
