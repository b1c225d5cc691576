"""Parametrises the CRM contract suite over every CRM integration the registry ships.

The list comes from ``app.crm.registry.INTEGRATIONS``, not from a hand-kept list: an integration
registered without a harness in ``tests/contract/crm/harness.py`` fails the suite.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from app.crm.registry import INTEGRATIONS
from tests.contract.crm.harness import HARNESSES, PUBLIC, CRMUnderTest
from tests.fakes import hubspot as hs_fake
from tests.fakes import salesforce as sf_fake
from tests.fakes import salesforce_messages as sf_messages
from tests.fakes.pipedrive_fixtures import PIPEDRIVE_SETTINGS


@pytest.fixture
def base_config(base_config) -> dict:
    """The test app with every CRM switched on (the demo is on in test mode)."""
    return {**base_config, **PIPEDRIVE_SETTINGS, "public_base_url": PUBLIC,
            "hubspot_client_id": hs_fake.CLIENT_ID, "hubspot_client_secret": hs_fake.CLIENT_SECRET,
            "salesforce_client_id": sf_fake.CLIENT_ID, "salesforce_client_secret": sf_messages.CONSUMER_SECRET}


@pytest.fixture(params=[kind.name for kind in INTEGRATIONS])
def crm(request, services) -> Iterator[CRMUnderTest]:
    name = request.param
    if name not in HARNESSES:
        pytest.fail(f"CRM integration '{name}' is registered but has no contract harness")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield HARNESSES[name](services, mock)


def oauth_only(crm: CRMUnderTest) -> None:
    """Skip (with the reason) a test of the OAuth install for a CRM that installs another way."""
    if crm.integration.install is None or crm.consent is None:
        pytest.skip(f"{crm.name} installs without OAuth")
