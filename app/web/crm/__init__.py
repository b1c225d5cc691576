"""The CRM-facing routes: the generic install pages of every OAuth CRM, and one module per CRM's own routes."""
