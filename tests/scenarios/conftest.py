"""Order-pipeline scenario fixtures: the whole app on SQLite and (marked postgres) on PostgreSQL."""
from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_config(request, base_config):
    """base_config on SQLite, or pointed at a private PostgreSQL schema."""
    if request.param == "postgres":
        return {**base_config, "database_url": request.getfixturevalue("pg_url")}
    return base_config


@pytest.fixture
def any_db_app(any_db_config, clock, faults):
    from app import create_app
    from tests.fakes.browser_client import browser_like
    application = browser_like(create_app(any_db_config, clock=clock, sandbox_faults=faults))
    yield application
    application.extensions["erp_panel"].close()


@pytest.fixture
def any_db_services(any_db_app):
    return any_db_app.extensions["erp_panel"]
