"""Money helpers: amounts are Decimal, currencies ISO-4217 upper-case codes."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")


def to_decimal(value: object) -> Decimal | None:
    """Coerce ERP numbers (float, int, str) to Decimal without float noise.

    None or "" is None - never a silent zero: whether an empty value means zero is the
    caller's decision. Text that is not a number raises ValueError.
    """
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def quantize(amount: Decimal, places: int = 2) -> Decimal:
    """Round half-up to the given number of decimal places."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def currency_code(code: object, default: str = "") -> str:
    """Normalise a currency code (strip, upper); empty string when unknown."""
    if not code:
        return default
    text = str(code).strip().upper()
    return text if len(text) == 3 and text.isalpha() else default
