"""The read path: cached, coalesced, stale-if-error ERP facts for one CRM account."""
