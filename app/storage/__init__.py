"""Relational storage through SQLAlchemy Core (SQLite by default, PostgreSQL by DATABASE_URL)."""
from app.storage.db import Database

__all__ = ["Database"]
