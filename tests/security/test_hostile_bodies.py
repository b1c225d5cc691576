"""Hostile bodies get a 4xx problem+json (413 for size), never a 500: on SQLite and on PostgreSQL."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.orders.tables import order_inbox
from app.web.body_guard import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_hazard
from tests.security.conftest import DATABASES, PUBLIC, on_each_database
from tests.security.signed_webhooks import TEMPLATES, SignedSender
from tests.security.test_csrf_every_admin_route import cookie_headers, write_routes

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000
HUGE = "1" * 5000
PLACEHOLDER = "HOSTILE-VALUE"

#: name -> (JSON text put where a value belongs, the reason code the guard answers with)
VALUES = {
    "5000-digit integer": (HUGE, "json_number_too_long"),
    "100k-deep array": (DEEP, "json_too_deep"),
    "100k-deep object": (DEEP_OBJECT, "json_too_deep"),
}


@pytest.fixture(params=DATABASES)
def base_config(request, base_config):
    return on_each_database(request, base_config)


def assert_problem(response, status: int | None = None, reason: str | set[str] | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"] == "application/problem+json", response.get_data(as_text=True)[:300]
    if status is not None:
        assert response.status_code == status, response.get_json()
    if reason is not None:
        assert response.get_json()["reason"] in ({reason} if isinstance(reason, str) else reason), response.get_json()


def with_value(template: str, value: str) -> bytes:
    return template.replace(json.dumps(PLACEHOLDER), value).encode()


@pytest.mark.parametrize("name", VALUES)
def test_widget_session_and_admin_settings_refuse_hostile_json(client, services, demo_tenant, name):
    value, reason = VALUES[name]
    admin = {"Authorization": f"Bearer {services.admin_sessions.mint(demo_tenant.id, 'admin')}"}
    session = client.post("/api/v1/widget/session", content_type="application/json",
                          data=with_value(json.dumps({"crm": "demo", "credential": PLACEHOLDER}), value))
    assert_problem(session, 400, reason)
    settings = client.put("/api/v1/admin/settings", content_type="application/json", headers=admin,
                          data=with_value(json.dumps({"shadow_mode": PLACEHOLDER}), value))
    assert_problem(settings, 400, reason)
    assert services.tenants.get(demo_tenant.id).settings.shadow_mode is False


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_other_json_encodings_are_checked_too(client, encoding):
    """Python's json.loads detects UTF-8 with BOM, UTF-16 and UTF-32: deep nesting hides in none of them."""
    response = client.post("/api/v1/widget/session", data=DEEP.encode(encoding), content_type="text/plain")
    assert_problem(response, 400, "json_too_deep")


def test_the_guard_leaves_ordinary_json_alone():
    assert json_hazard(b'{"a": [1, 2, {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}') is None
    assert json_hazard(("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode()) is None
    assert json_hazard(("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode()) == "json_too_deep"
    assert json_hazard(b'{"id": "' + b"9" * 5000 + b'", "n": 12345678901234567890}') is None


def test_a_chunked_body_over_the_limit_is_413_on_every_write_route(app):
    """gunicorn passes chunked bodies with wsgi.input_terminated; Werkzeug alone would cut them at the limit."""
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    for _blueprint, method, path in write_routes(app):
        response = plain.open(path, method=method, base_url=PUBLIC, input_stream=io.BytesIO(b"x" * (MAX_BODY_BYTES + 1)),
                              headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json",
                                       "Origin": PUBLIC}, environ_overrides={"wsgi.input_terminated": True})
        assert response.status_code == 413, (method, path, response.status_code)
        assert response.headers["Content-Type"] == "application/problem+json"
        declared = plain.open(path, method=method, base_url=PUBLIC, data=b"x" * (MAX_BODY_BYTES + 1),
                              headers={"Content-Type": "application/json", "Origin": PUBLIC})
        assert declared.status_code == 413, (method, path, declared.status_code)


def test_a_chunked_signed_webhook_under_the_limit_is_read_in_full(client, services, clock):
    sender = SignedSender(client, services, clock)
    body = json.dumps(TEMPLATES["demo"]("D-2001")).encode()
    path, headers = sender._demo(body)
    response = client.post(path, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                           headers={**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    assert response.status_code == 202, response.get_json()


#: hostile deal ids for validly signed webhooks: (JSON text, expected reason(s))
DEAL_IDS = {
    "300-character deal id": (json.dumps("9" * 300), "value_too_long"),
    # HubSpot deal ids are numbers: its parser refuses this one before any database sees it
    "deal id with a NUL": (json.dumps("42\x00"), {"nul_character", "bad_webhook_payload"}),
    "100k-deep deal id": (DEEP, "json_too_deep"),
    "5000-digit deal id": (HUGE, "json_number_too_long"),
}


@pytest.mark.parametrize("kind", ["demo", "pipedrive", "hubspot"])
@pytest.mark.parametrize("name", DEAL_IDS)
def test_signed_webhooks_with_hostile_deal_ids_are_4xx_and_store_nothing(
        client, services, clock, fake_hubspot, hs_tenant, kind, name):
    sender = SignedSender(client, services, clock)
    fake_hubspot.add_deal("501", stage="closedwon", company_id="201")
    value, reason = DEAL_IDS[name]
    body = with_value(json.dumps(TEMPLATES[kind](PLACEHOLDER)), value)
    response = sender.send(kind, body)
    assert_problem(response, reason=reason)
    with services.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(order_inbox)).scalar() == 0
    # the same delivery with an ordinary deal id is accepted: the signature and payload shape were right
    fine = sender.send(kind, json.dumps(TEMPLATES[kind]()).encode())
    assert fine.status_code in (200, 202), fine.get_json()


#: bodies no JSON parser may see: refused with 400 on every route, whatever it would do with them
HAZARDS = {"deep array": DEEP.encode(), "deep object": DEEP_OBJECT.encode(), "huge integer": HUGE.encode(),
           "deep UTF-16": DEEP.encode("utf-16"), "huge integer in an object": b'{"id": ' + HUGE.encode() + b"}"}
#: bodies that are merely wrong: never a 5xx
WRONG = {"not JSON": b"\xff\xfe{\x00[", "empty": b"", "truncated": b'{"crm": "demo", "credential": ',
         "a list": b"[1, 2, 3]", "a string": b'"x"'}


def assert_not_5xx(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and response.mimetype.endswith("json"):
        assert response.mimetype == "application/problem+json", (what, response.get_data(as_text=True)[:300])


def test_every_write_route_answers_hostile_raw_bodies_with_4xx(app, services, demo_tenant, hs_tenant):
    """Sent as an admin with a valid session and CSRF token, so admin routes get as far as they can."""
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    admin = cookie_headers(services, demo_tenant.id, app)
    admin.pop("_token")
    for _blueprint, method, path in write_routes(app):
        for content_type in ("application/json", "text/plain"):
            for name, body in {**HAZARDS, **WRONG}.items():
                response = plain.open(path, method=method, base_url=PUBLIC, data=body,
                                      headers={**admin, "Origin": PUBLIC, "Content-Type": content_type})
                assert_not_5xx(response, (name, content_type, method, path))
                if name in HAZARDS and (content_type == "application/json" or name != "huge integer"):
                    assert response.status_code == 400, (name, content_type, method, path, response.status_code)


def test_nul_characters_in_ids_are_400_not_a_database_error(client, services, demo_tenant, widget_headers):
    """PostgreSQL cannot store or compare text holding NUL: refused before any statement, on both databases."""
    admin = {"Authorization": f"Bearer {services.admin_sessions.mint(demo_tenant.id, 'admin')}"}
    link = client.put("/api/v1/admin/account-links/ACC%00X", json={"erp_customer_id": "CUST-0001"}, headers=admin)
    assert_problem(link, 400, "nul_character")
    other = client.put("/api/v1/admin/account-links/ACC-1001", json={"erp_customer_id": "CUST\u0000"}, headers=admin)
    assert_problem(other, 400, "nul_character")
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1001") == "CUST-0001"
    read = client.get("/api/v1/admin/orders/audit?deal_id=D%00", headers=admin)
    assert_problem(read, 400, "nul_character")
