"""A private PostgreSQL schema for one benchmark run, dropped afterwards."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from app.storage.db import normalise_url


@contextmanager
def postgres_schema(url: str, prefix: str = "bench") -> Iterator[str]:
    """Create schema ``<prefix>_<random>`` in the database at ``url``; yields a URL whose search_path is it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
