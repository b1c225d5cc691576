"""Salesforce: connected-app OAuth install, Canvas panel, Outbound Message won events, REST write-back."""
