"""Text the database would refuse is refused before it reaches the database, as a 400 problem.

PostgreSQL fails an over-long ``varchar(n)`` value, and any text parameter holding a NUL
character, in the middle of the transaction (a 500 for whoever sent it; SQLite takes both
silently). So every insert through ``app.storage.db.insert_or_ignore`` / ``upsert`` calls
``require_fit`` first, and every statement's parameters pass ``refuse_nul_characters``
(installed on each engine): hostile ids from webhooks, forms or URLs become a 400 problem naming
the field, on both databases alike.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app.errors import BadRequest


class ValueTooLong(BadRequest):
    """A text value is longer than the column that would store it."""

    reason = "value_too_long"


class NulCharacter(BadRequest):
    """A text value holds a NUL character, which PostgreSQL text cannot store or compare."""

    reason = "nul_character"


def max_length(column: sa.Column) -> int | None:
    """The declared length of a String column (None: unbounded or not text)."""
    return getattr(column.type, "length", None)


def declared_length(column: sa.Column[Any]) -> int:
    """The declared length of a String column that has one (ValueError for an unbounded column)."""
    limit = max_length(column)
    if limit is None:
        raise ValueError(f"column {column.name} declares no length")
    return limit


def require_fit(table: sa.Table, values: Mapping[str, Any]) -> None:
    """Raise ValueTooLong naming the first text value longer than its column in ``table``."""
    for name, value in values.items():
        limit = max_length(table.c[name]) if name in table.c else None
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise ValueTooLong(f"{name} is longer than the {limit} characters it may have "
                               f"({len(value)} given).", extra={"field": name, "max_length": limit})


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def require_no_nul(*values: Any) -> None:
    """Raise NulCharacter when a value holds a NUL: for values sent on to a vendor before any statement."""
    if _holds_nul(values):
        raise NulCharacter("A value contains a NUL character (\\0), which cannot be stored or looked up.")


def refuse_nul_characters(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
                          _executemany: bool) -> None:
    """``before_cursor_execute`` listener: raise NulCharacter when any text parameter holds a NUL."""
    require_no_nul(parameters)
