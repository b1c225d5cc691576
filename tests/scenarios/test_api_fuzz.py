"""Schemathesis: every documented API operation, fuzzed from openapi, never 5xx and never off-schema.

Driven through hypothesis directly (one strategy per operation) against the WSGI app, so it
needs no server and no network.
"""
import schemathesis
from hypothesis import HealthCheck, given, settings


def test_api_conforms_to_its_spec(app, widget_headers):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=widget_headers)

        check()
