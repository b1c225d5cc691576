"""Operations: metrics, the embedded alerting (rules, notifier channels), retention, tenant health.

``metrics`` defines every Prometheus metric; the rest of the app reports through a few seams
(the outbound HTTP layer, the panel read service, the order worker and write-back, the web
layer's 401 answers) into ``observe`` and ``outbound``, which also keep the per-tenant signals
the embedded alerting evaluates from the database (``signals``, ``rules``, ``alerting``).
"""
