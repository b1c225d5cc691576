"""Schemathesis over the admin API with a valid admin session: never 5xx, always on-schema.

"Schema-valid data is accepted" is excluded on purpose: the schemas say "text", while the
settings service rejects unknown statuses, mapping keys and connectors with specific reason
codes (documented in each field's description) instead of marshmallow's generic one.
"""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance


def test_admin_api_conforms_to_its_spec(app, services, demo_tenant):
    headers = {"Authorization": f"Bearer {services.admin_sessions.mint(demo_tenant.id, 'fuzzer')}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # the settings API and the order pipeline's /admin/orders API
    admin_ops = [op for op in operations if op.path.startswith("/api/v1/admin/")]
    assert len(admin_ops) >= 14
    for operation in admin_ops:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
