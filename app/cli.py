"""The ``erp-panel`` command: demo, database, OpenAPI, worker, keys."""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from typing import TYPE_CHECKING, NoReturn

import click

from app.orders.cli import jobs as order_jobs
from app.orders.worker import default_worker_id, run_worker
from app.startup import exit_on_startup_error

if TYPE_CHECKING:
    from app.services import Services
    from app.storage.db import Database


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """erp-panel: live ERP facts inside the CRM; won deals become ERP orders."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not run the order worker in-process.")
def demo(host: str, port: int, no_worker: bool) -> None:
    """Run the whole product on embedded defaults: SQLite, in-process cache, sandbox ERP, demo CRM."""
    from werkzeug.serving import run_simple

    from app import create_app
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    with exit_on_startup_error():
        app = create_app({"demo_enabled": True, "public_base_url": f"http://{host}:{port}"})
    services = app.extensions["erp_panel"]
    worker_note = "no worker (--no-worker)"
    if not no_worker:
        stop = threading.Event()
        threading.Thread(target=run_worker, args=(services, stop), name="demo-worker", daemon=True).start()
        _start_maintenance(services, stop)
        worker_note = "order worker running in-process"
    url = f"http://{host}:{port}/demo/"
    click.echo(f"erp-panel demo: open {url}")
    click.echo(f"  database: {services.settings.database_url}")
    click.echo(f"  ERP connector: {services.settings.erp_connector}; {worker_note}")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _start_maintenance(services: Services, stop: threading.Event) -> None:
    """The worker's operations thread: signals, embedded alerts, retention (``app.ops.maintenance``)."""
    threading.Thread(target=services.ops.maintenance.run, args=(stop, default_worker_id()), name="ops-maintenance",
                     daemon=True).start()


@main.command()
@click.option("--metrics-port", type=int, default=None,
              help="Serve this worker's /metrics on this port (default: WORKER_METRICS_PORT; 0: off).")
def worker(metrics_port: int | None) -> None:
    """Process queued jobs (closed-won orders, write-backs) until stopped; also evaluates alerts."""
    from app.config import load_settings
    from app.ops.exposition import serve_worker_metrics
    from app.ops.multiproc import mark_dead
    from app.services import build_services
    from app.storage.schema import upgrade
    with exit_on_startup_error():
        services = build_services(load_settings())
        upgrade(services.db)
        port = services.settings.worker_metrics_port if metrics_port is None else metrics_port
        if port:
            serve_worker_metrics(services.settings, services.ops.collector, port)
    stop = threading.Event()
    import signal
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    _start_maintenance(services, stop)
    try:
        run_worker(services, stop)
    finally:
        services.ops.signals.flush()
        mark_dead(os.getpid())


@main.group()
def db() -> None:
    """Database schema commands."""


def _database() -> Database:
    from app.config import load_settings
    from app.storage.db import Database
    return Database(load_settings().database_url)


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema in DATABASE_URL or migrate it to this release's head revision."""
    from app.storage.schema import upgrade
    with exit_on_startup_error():          # a bad setting, an unreachable database or a SchemaError: one line
        database = _database()
        revision = upgrade(database)
    click.echo(f"schema at revision {revision} ({database.dialect})")


@db.command("current")
def db_current() -> None:
    """Print the revision DATABASE_URL is at, and this release's head."""
    from app.storage.schema import current_version, head_revision
    with exit_on_startup_error():
        database = _database()
        current = current_version(database)
    click.echo(f"database: {current or 'none (not created yet)'}; head: {head_revision()}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is, in a few words.")
@click.option("--autogenerate/--empty", default=True, show_default=True,
              help="Fill the revision from the difference between the models and the current head.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Developers: write a new revision file under app/storage/migrations/versions (review it, commit it)."""
    from app.storage.schema import new_revision
    click.echo(f"wrote {new_revision(message, autogenerate=autogenerate)}")


def build_openapi_yaml() -> str:
    """The OpenAPI document of the app, as YAML (deterministic)."""
    import yaml

    from app import create_app
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"database_url": f"sqlite:///{tmp}/spec.sqlite3", "env": "test",
                          "secret_key": "openapi-generation-only-" + "x" * 16, "demo_enabled": True,
                          "encryption_keys": ["0" * 43 + "="]})
        spec = app.extensions["erp_panel_api"].spec.to_dict()
        app.extensions["erp_panel"].close()
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True)


@main.command()
@click.option("--output", "-o", default="openapi.yaml", show_default=True)
@click.option("--check", is_flag=True, help="Fail if the file differs from the generated spec.")
def openapi(output: str, check: bool) -> None:
    """Write (or check) openapi.yaml generated from the app."""
    text = build_openapi_yaml()
    if check:
        current = ""
        if os.path.exists(output):
            with open(output, encoding="utf-8") as fh:
                current = fh.read()
        if current != text:
            _fail(f"{output} is out of date; run `erp-panel openapi`")
        click.echo(f"{output} is up to date")
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text)
    click.echo(f"wrote {output}")


@main.command("new-key")
def new_key_cmd() -> None:
    """Print a new Fernet key for ENCRYPTION_KEYS."""
    from app.storage.crypto import new_key
    click.echo(new_key())


@main.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."""
    from app.config import load_settings
    from app.services import build_services
    services = build_services(load_settings())
    count = services.tenants.rotate_secrets() + services.ops.contacts.rotate_secrets()
    click.echo(f"re-encrypted {count} secrets")


main.add_command(order_jobs)  # erp-panel jobs list|dead|replay|audit|schedule

if __name__ == "__main__":
    main()
