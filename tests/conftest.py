"""Shared fixtures: app/client/clock/tenant, service URLs, and the no-network guard."""
from __future__ import annotations

import os
import socket
import uuid

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from app.clock import FrozenClock
from app.erp.sandbox.faults import SandboxFaults
from tests.fakes.browser_client import ClosingClient, browser_like

# every app's test_client() closes its responses (see ClosingClient)
Flask.test_client_class = ClosingClient

REQUIRE_SERVICES = os.environ.get("ERP_PANEL_REQUIRE_SERVICES", "") == "1"
PG_URL = os.environ.get("DATABASE_URL_TEST", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")
LOOPBACK_MARKERS = {"postgres", "redis", "browser", "loopback"}

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127."))


@pytest.fixture(autouse=True)
def no_network(request, monkeypatch):
    """Fail any outbound connection; loopback only for tests marked postgres/redis/browser/loopback."""
    allow_loopback = bool(LOOPBACK_MARKERS & {m.name for m in request.node.iter_markers()})

    def guard(sock, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return True
        if allow_loopback and _is_loopback(address):
            return True
        raise RuntimeError(f"test tried to open a real network connection to {address!r}; mock it")

    def connect(sock, address):
        guard(sock, address)
        return _real_connect(sock, address)

    def connect_ex(sock, address):
        guard(sock, address)
        return _real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (laptop) or fail (CI, ERP_PANEL_REQUIRE_SERVICES=1) when a server is not reachable."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and ERP_PANEL_REQUIRE_SERVICES=1 makes it required")
    pytest.skip(message + " (set ERP_PANEL_REQUIRE_SERVICES=1 to make this a failure)")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def faults() -> SandboxFaults:
    return SandboxFaults(sleep=lambda _s: None)


@pytest.fixture
def base_config(tmp_path) -> dict:
    return {
        "env": "test",
        "database_url": f"sqlite:///{tmp_path}/test.sqlite3",
        "secret_key": "test-secret-" + "k" * 40,
        "encryption_keys": [Fernet.generate_key().decode()],
        "demo_enabled": True,
        "redis_url": "",
        "public_base_url": "https://erp-panel.test",
    }


@pytest.fixture
def app(base_config, clock, faults):
    from app import create_app
    application = browser_like(create_app(base_config, clock=clock, sandbox_faults=faults))
    yield application
    application.extensions["erp_panel"].close()


@pytest.fixture
def app_factory(base_config, clock, faults):
    """``make(**settings)``: another app on the test's database, clock and faults with these settings on top
    (closed after the test)."""
    from app import create_app
    built = []

    def make(**settings):
        application = browser_like(create_app({**base_config, **settings}, clock=clock, sandbox_faults=faults))
        built.append(application)
        return application
    yield make
    for application in built:
        application.extensions["erp_panel"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["erp_panel"]


@pytest.fixture
def demo_tenant(services):
    return services.tenants.find("demo", "demo-company")


@pytest.fixture
def widget_headers(services, demo_tenant):
    token, _ = services.widget_tokens.mint(demo_tenant.id, "rep-1", "demo")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def pg_url():
    """A PostgreSQL URL with a private schema for this test (dropped afterwards)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy as sa
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def redis_url():
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture
def redis_namespace(redis_url):
    """A unique key namespace, deleted afterwards."""
    import redis
    ns = f"erp-panel-test-{uuid.uuid4().hex[:10]}:"
    yield ns
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=ns + "*"):
        client.delete(key)
    client.close()
