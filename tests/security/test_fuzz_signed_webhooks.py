"""The three webhook receivers fuzzed with hypothesis: odd values in every field, under VALID signatures,
on SQLite and PostgreSQL. Whatever arrives, the answer is 2xx or a 4xx problem, never a 5xx."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.orders.tables import order_inbox
from tests.security.conftest import DATABASES, on_each_database
from tests.security.signed_webhooks import TEMPLATES, SignedSender
from tests.security.test_hostile_bodies import assert_not_5xx

#: any JSON value a sender could put in a field: big numbers (up to the guard's 100 digits), long or odd
#: text, floats incl. NaN/Infinity, and nested containers
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10 ** 99, max_value=10 ** 99)
    | st.floats() | st.text(max_size=400),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16)


def _field_paths(value, prefix=()) -> list[tuple]:
    """Every path to a value inside a template (dict keys and list indexes)."""
    paths = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        paths.extend(_field_paths(inner, (*prefix, key)))
    return paths


def _replace(value, path: tuple, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(copy[path[0]], path[1:], new)
    return copy


@st.composite
def hostile_payloads(draw, kind: str):
    template = TEMPLATES[kind]()
    path = draw(st.sampled_from(_field_paths(template)))
    return _replace(template, path, draw(JSON_VALUES))


@pytest.fixture(params=DATABASES)
def base_config(request, base_config):
    return on_each_database(request, base_config)


@pytest.mark.parametrize("kind", ["demo", "pipedrive", "hubspot"])
def test_signed_webhooks_with_fuzzed_payloads_never_answer_5xx(client, services, clock, fake_hubspot, hs_tenant,
                                                               kind):
    sender = SignedSender(client, services, clock)
    fake_hubspot.add_deal("501", stage="closedwon", company_id="201")
    statuses: list[int] = []

    @given(payload=hostile_payloads(kind))
    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(payload):
        response = sender.send(kind, json.dumps(payload).encode())
        assert_not_5xx(response, (kind, payload))
        statuses.append(response.status_code)

    check()
    # the fuzz reached both sides: deliveries taken (or ignored) and deliveries refused
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses), statuses
    with services.db.read() as conn:          # whatever was accepted fits its columns (PostgreSQL checks)
        ids = conn.execute(sa.select(order_inbox.c.crm_deal_id, order_inbox.c.event_id)).all()
    assert all(len(deal) <= 100 and len(event) <= 200 for deal, event in ids)
