"""Money helpers: amounts are Decimal, currencies ISO-4217 upper-case codes."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")


def to_decimal(value: object, default: Decimal | None = ZERO) -> Decimal | None:
    """Coerce ERP numbers (float, int, str, None) to Decimal without float noise."""
    if value is None or value == "":
        return default
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default


def quantize(amount: Decimal, places: int = 2) -> Decimal:
    """Round half-up to the given number of decimal places."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def currency_code(code: object, default: str = "") -> str:
    """Normalise a currency code (strip, upper); empty string when unknown."""
    if not code:
        return default
    text = str(code).strip().upper()
    return text if len(text) == 3 and text.isalpha() else default
