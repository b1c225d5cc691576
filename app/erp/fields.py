"""Reading vendor rows without silent defaults.

A field missing from an ERP answer (renamed by an upgrade, hidden by a permission) must
never read as zero: the panel would show "0 in stock" or "0 overdue" as fact. ``require``
raises a typed error that names the field instead, and ``amount`` parses a required
number the same way.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.domain.money import to_decimal
from app.erp.base import ERPFatalError


class ERPMissingField(ERPFatalError):
    """The ERP answered without a field the connector needs (or with an unusable value)."""

    reason = "erp_missing_field"

    def __init__(self, vendor: str, record: str, field: str, *, problem: str = "is missing"):
        super().__init__(f"{vendor} answered a {record} whose '{field}' {problem}", vendor_code=field)
        self.field = field
        self.record = record


def require(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Any:
    """``row[field]``; ERPMissingField when the key is absent or null."""
    value = row.get(field)
    if value is None:
        raise ERPMissingField(vendor, record, field)
    return value


def amount(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Decimal:
    """A required number (JSON number or numeric string) as Decimal."""
    value = require(row, field, vendor=vendor, record=record)
    number = None if isinstance(value, bool) else to_decimal(value.strip() if isinstance(value, str) else value, None)
    if number is None or not number.is_finite():
        raise ERPMissingField(vendor, record, field, problem="is not a number")
    return number


def optional_amount(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Decimal | None:
    """A number that may legitimately be absent (e.g. "no credit limit"); None when absent."""
    if row.get(field) in (None, ""):
        return None
    return amount(row, field, vendor=vendor, record=record)
