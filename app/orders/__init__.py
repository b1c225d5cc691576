"""Closed-won deals become ERP sales orders exactly once.

intake (inbox + job in one transaction) -> queue (durable jobs with leases,
backoff, dead letters) -> worker -> flow (re-read deal, validate, create the
order under a per-deal lock, keyed by the idempotency key) -> write-back job.
CRM-agnostic: CRM integrations only turn webhooks into DealWon events and hand out CRMConnectors.
"""
