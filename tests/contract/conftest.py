"""Parametrises the contract suite over every ERP connector."""
from __future__ import annotations

import pytest
import responses

from tests.contract.harness import HARNESSES, ERPUnderTest


@pytest.fixture(params=sorted(HARNESSES))
def erp(request, clock) -> ERPUnderTest:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        harness = HARNESSES[request.param](clock, mock)
        yield harness
        harness.connector.close()


@pytest.fixture
def today(clock):
    return clock.now().date()

