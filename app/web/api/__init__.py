"""The admin JSON API: settings, ERP connection, account links, and the order pipeline (jobs, dead letters)."""
