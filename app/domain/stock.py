"""Items the ERP knows, and their stock levels per warehouse."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StockLine:
    """Quantity of one item in one warehouse."""

    item_code: str
    item_name: str
    warehouse: str
    on_hand: Decimal
    reserved: Decimal
    uom: str = "Unit"

    @property
    def available(self) -> Decimal:
        """On hand minus reserved (can be negative when over-reserved)."""
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class ItemInfo:
    """One item the ERP knows by this code; ``sellable`` is False when it is disabled or not sold."""

    code: str
    name: str
    sellable: bool = True


def items_by_code(items: Iterable[ItemInfo]) -> dict[str, ItemInfo]:
    """One item per code; where an ERP holds two records with one code (an archived or inactive twin),
    the sellable one wins."""
    found: dict[str, ItemInfo] = {}
    for item in sorted(items, key=lambda i: i.sellable):
        found[item.code] = item
    return found
