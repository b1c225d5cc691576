"""Schemathesis over every operation of the generated OpenAPI document, schema-valid and
schema-violating data, each sent with the credential its security scheme asks for (widget token,
admin token, a valid HubSpot v3 signature over the generated URL and body): never a 5xx, on SQLite
and on PostgreSQL."""
from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlencode

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NOT_SET
from schemathesis.generation.modes import GenerationMode

from tests.fakes.hubspot import signed_headers
from tests.security.conftest import DATABASES, PUBLIC, on_each_database
from tests.security.test_hostile_bodies import assert_not_5xx

FUZZ = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(params=DATABASES)
def base_config(request, base_config):
    return on_each_database(request, base_config)


def _credentials(services, demo_tenant, clock):
    """Headers for a request, by the security scheme the OpenAPI document gives its operation."""
    widget, _ = services.widget_tokens.mint(demo_tenant.id, "rep-1", "demo")
    admin = services.admin_sessions.mint(demo_tenant.id, "fuzzer")

    def for_case(scheme: str | None, method: str, signed_uri: str, body: bytes) -> dict:
        if scheme == "widgetToken":
            return {"Authorization": f"Bearer {widget}"}
        if scheme == "adminToken":
            return {"Authorization": f"Bearer {admin}"}
        if scheme == "hubspotSignatureV3":
            return signed_headers(method, signed_uri, body, int(clock.timestamp() * 1000))
        return {}
    return for_case


def _send(client, case, credentials):
    scheme = next(iter((case.operation.definition.raw.get("security") or [{}])[0]), None)
    path = quote(unquote(case.formatted_path))
    query = urlencode(case.query or {}, doseq=True)
    if case.body is NOT_SET:
        body = b""
    elif isinstance(case.body, bytes | str):          # negative cases may send raw bytes or text
        body = case.body.encode() if isinstance(case.body, str) else case.body
    else:
        body = json.dumps(case.body).encode()
    signed_uri = PUBLIC + path + (f"?{query}" if query else "")
    headers = {str(k): str(v) for k, v in (case.headers or {}).items() if str(k).isascii() and str(v).isascii()}
    headers.update(credentials(scheme, case.method.upper(), signed_uri, body))
    if case.body is not NOT_SET:
        headers["Content-Type"] = case.media_type or "application/json"
    return client.open(path, method=case.method.upper(), base_url=PUBLIC, query_string=query, data=body,
                       headers=headers)


def test_every_openapi_operation_never_answers_5xx(app, services, demo_tenant, hs_tenant, fake_hubspot, clock):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    credentials = _credentials(services, demo_tenant, clock)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation.as_strategy(generation_mode=mode), plain, credentials, f"{operation.label} ({mode.value})")


def fuzz(strategy, client, credentials, label: str) -> None:
    """Send every case the strategy draws; none may answer 5xx."""
    @given(case=strategy)
    @FUZZ
    def check(case):
        assert_not_5xx(_send(client, case, credentials), label)

    check()
