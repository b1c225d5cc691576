"""Account linking: finding the ERP customer a CRM account is, checking links, keeping them healthy."""
