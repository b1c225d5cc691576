"""Security and fault suite: the app with every integration configured, in development and production mode."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from app.storage.schema import load_tables
from tests.fakes.browser_client import browser_like
from tests.fakes.hubspot import CLIENT_ID as HS_CLIENT_ID
from tests.fakes.hubspot import CLIENT_SECRET as HS_CLIENT_SECRET
from tests.fakes.hubspot_fixtures import fake_hubspot, hs_linked, hs_sleeps, hs_tenant  # noqa: F401 - fixtures
from tests.fakes.orders import drain
from tests.fakes.pipedrive_fixtures import PIPEDRIVE_SETTINGS
from tests.fakes.salesforce import CLIENT_ID as SF_CLIENT_ID
from tests.fakes.salesforce_messages import CONSUMER_SECRET as SF_CLIENT_SECRET

PUBLIC = "https://erp-panel.test"
EVIL = "https://evil.example"


def integrations() -> dict:
    """Pipedrive, HubSpot and Salesforce app settings, so every route of the app is registered."""
    return {**PIPEDRIVE_SETTINGS, "hubspot_client_id": HS_CLIENT_ID, "hubspot_client_secret": HS_CLIENT_SECRET,
            "hubspot_app_id": "54321", "salesforce_client_id": SF_CLIENT_ID,
            "salesforce_client_secret": SF_CLIENT_SECRET}


@pytest.fixture
def base_config(base_config):  # extends the root fixture
    """Development mode with the demo, Pipedrive, HubSpot and Salesforce: every route the app has."""
    return {**base_config, **integrations()}


@pytest.fixture
def production_config(tmp_path) -> dict:
    """A valid production configuration (nothing about the demo said: production decides)."""
    return {"env": "production", "database_url": f"sqlite:///{tmp_path}/production.sqlite3",
            "secret_key": "production-secret-" + "p" * 40, "encryption_keys": [Fernet.generate_key().decode()],
            "public_base_url": PUBLIC, "redis_url": "", **integrations()}


@pytest.fixture
def production_app(production_config, clock, faults):
    from app import create_app
    application = browser_like(create_app(production_config, clock=clock, sandbox_faults=faults))
    yield application
    application.extensions["erp_panel"].close()


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def on_each_database(request, base_config) -> dict:
    """Body of a module's ``base_config`` fixture with ``params=DATABASES``: its tests then run on
    SQLite and on PostgreSQL (which, unlike SQLite, refuses over-long and NUL-holding text)."""
    if request.param == "postgres":
        return {**base_config, "database_url": request.getfixturevalue("pg_url")}
    return base_config


def snapshot(services) -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    with services.db.read() as conn:
        return {table.name: sorted(map(repr, conn.execute(sa.select(table)).all()))
                for table in load_tables().sorted_tables}


def reason_of(response) -> str:
    """The problem's reason code (problem+json), or '' for other bodies."""
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return response.get_json().get("reason", "")
    return ""


@pytest.fixture
def dead_letter(services, demo_tenant, client, clock):
    """A real dead letter of the demo tenant (a won deal without an ERP customer link), so replay has work."""
    services.tenants.unlink_account(demo_tenant.id, "ACC-1002")
    client.post("/demo/deals/D-2002/won", data={"back": "/demo/"})
    drain(services, clock)
    [job] = services.orders.queue.list(tenant_id=demo_tenant.id, status="dead", limit=10)
    return job
