"""Parametrises the contract suite over every ERP connector the registry offers.

The list comes from ``app.erp.registry.available()``, not from a hand-kept list: a connector
that registers without a harness in ``tests/contract/erp/harness.py`` fails the suite.
"""
from __future__ import annotations

import pytest
import responses

from app.erp import registry
from tests.contract.erp.harness import HARNESSES, ERPUnderTest


def _variants() -> list[tuple[str, str]]:
    """(connector, variant) for every registered connector; variant "" = no harness."""
    pairs = []
    for name in registry.available():
        pairs.extend((name, variant) for variant in HARNESSES.get(name, {"": None}))
    return pairs


@pytest.fixture(params=_variants(), ids=lambda pair: pair[1] or f"{pair[0]}-without-harness")
def erp(request, clock) -> ERPUnderTest:
    name, variant = request.param
    if not variant:
        pytest.fail(f"ERP connector '{name}' is registered but has no contract harness")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        harness = HARNESSES[name][variant](clock, mock)
        yield harness
        harness.connector.close()


@pytest.fixture
def today(clock):
    return clock.now().date()
