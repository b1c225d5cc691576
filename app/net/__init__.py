"""Outbound HTTP for every ERP and CRM call: the URL/address policy, guarded sessions, one client layer.

``policy`` (what may be reached), ``addresses`` (IP classification), ``session`` (requests
sessions that enforce the policy at connect time) and ``client`` (timeouts, uniform
"could not connect" errors, retries and Retry-After) - see each module.
"""
