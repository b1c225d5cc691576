"""Reading fields of ERP records by name, so that a missing field is an error naming it, never a zero.

Mappings wrap each vendor record in a :class:`VendorRecord` and say, per field, whether it
must be there (``value``, ``amount``, ``date``) or may be absent (``optional``, with the reason
at the call site). A required field that is absent raises :class:`MissingVendorField`
naming the vendor, the record type and the field.

Numbers that are present but null read as zero in ``amount``: both supported ERPs store
their numeric fields as non-null zero - Frappe creates Check/Int/Currency/Float/Percent
columns NOT NULL with a 0 default (``NOT_NULL_TYPES``,
https://github.com/frappe/frappe/blob/develop/frappe/database/schema.py) and Odoo stores an
empty Float/Monetary as 0.0 (``Float.convert_to_column``: ``float(value or 0.0)``,
https://github.com/odoo/odoo/blob/18.0/odoo/fields.py) - so a null on the wire means zero there.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.money import ZERO, to_decimal
from app.erp.base import ConnectionCheck, ERPConnector
from app.errors import MissingVendorField, UpstreamNotFound


class VendorRecord:
    """One record of a vendor answer (a row, a document, a method result)."""

    def __init__(self, row: Mapping[str, Any] | None, vendor: str, record: str):
        self.row: Mapping[str, Any] = row if isinstance(row, Mapping) else {}
        self.vendor = vendor
        self.record = record

    def _missing(self, field: str, *, unreadable: bool = False) -> MissingVendorField:
        return MissingVendorField(self.vendor, self.record, field, unreadable=unreadable)

    def value(self, field: str) -> Any:
        """A field that must be present (its value may still be empty)."""
        if field not in self.row:
            raise self._missing(field)
        return self.row[field]

    def optional(self, field: str, default: Any = None) -> Any:
        """A field that may legitimately be absent; callers say why in a comment."""
        return self.row.get(field, default)

    def text(self, field: str) -> str:
        """A required field as text ("" for empty; Odoo sends False for an empty value)."""
        value = self.value(field)
        return "" if value in (None, False) else str(value)

    def amount(self, field: str) -> Decimal:
        """A required number; present-but-null is zero (see the module docstring for why)."""
        value = self.value(field)
        return ZERO if value in (None, "", False) else self._decimal(field, value)

    def optional_amount(self, field: str) -> Decimal | None:
        """A number that may be absent or empty (None then, never zero)."""
        value = self.row.get(field)
        return None if value in (None, "", False) else self._decimal(field, value)

    def date(self, field: str) -> date | None:
        """A required date field ("YYYY-MM-DD..."); empty (None, "", Odoo's False) is None."""
        value = self.value(field)
        if value in (None, "", False):
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            raise self._missing(field, unreadable=True) from None

    def _decimal(self, field: str, value: Any) -> Decimal:
        try:
            number = to_decimal(value)
        except ValueError:
            number = None
        if number is None:
            raise self._missing(field, unreadable=True)
        return number


def missing_field_check(connector: ERPConnector, customer_id: str | None) -> ConnectionCheck | None:
    """Run each panel read once on sample data; the first missing field becomes a failed check naming it.

    Part of "Test connection": a field hidden by the API user's permissions or renamed by an ERP
    upgrade only shows when a record is read, so the probe reads like the panel does.
    """
    reads: list[Callable[[], object]] = [lambda: connector.list_stock(None)]
    if customer_id:
        reads += [lambda: connector.get_credit(customer_id), lambda: connector.list_invoices(customer_id),
                  lambda: connector.get_prices(customer_id)]
    for read in reads:
        try:
            read()
        except MissingVendorField as exc:
            return ConnectionCheck(False, "missing_field", exc.message, {"record": exc.record, "field": exc.field})
        except UpstreamNotFound:
            continue
    return None


def require(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Any:
    """A field that must be present and non-null (identifiers, codes, nested objects)."""
    value = VendorRecord(row, vendor, record).value(field)
    if value is None:
        raise MissingVendorField(vendor, record, field)
    return value


def amount(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Decimal:
    """``VendorRecord.amount`` for a plain mapping (absent: MissingVendorField naming the field)."""
    return VendorRecord(row, vendor, record).amount(field)


def optional_amount(row: Mapping[str, Any], field: str, *, vendor: str, record: str) -> Decimal | None:
    """``VendorRecord.optional_amount`` for a plain mapping (absent or empty: None, e.g. "no credit limit")."""
    return VendorRecord(row, vendor, record).optional_amount(field)
