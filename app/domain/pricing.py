"""Customer-specific prices."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PriceQuote:
    """The price one customer pays for one item."""

    item_code: str
    item_name: str
    unit_price: Decimal
    list_price: Decimal | None
    currency: str
    price_list: str = ""
    min_qty: Decimal = Decimal("1")

    @property
    def discount_percent(self) -> Decimal | None:
        """Discount against the list price in percent, None without a list price."""
        if not self.list_price or self.list_price <= 0:
            return None
        return ((self.list_price - self.unit_price) / self.list_price * 100).quantize(Decimal("0.01"))
