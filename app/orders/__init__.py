"""Closed-won deals become ERP sales orders exactly once (issue 3).

intake (inbox + job in one transaction) -> queue (durable jobs with leases,
backoff, dead letters) -> worker -> flow (re-read deal, validate, create the
order under a per-deal lock, keyed by the idempotency key) -> write-back job.
CRM-agnostic: CRM adapters only build DealWon events and CRMConnectors.
"""
