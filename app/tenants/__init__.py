"""Tenants (CRM installations), their ERP connection settings and account links."""
