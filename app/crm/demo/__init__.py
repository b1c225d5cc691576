"""The demo CRM: a tiny CRM hosted by this service so the whole product runs on a laptop.

It behaves like the real CRMs from erp-panel's point of view: it signs the widget
iframe context (HMAC + timestamp), signs won-deal webhooks, and exposes a deal
API the order flow reads and writes back to.
"""
