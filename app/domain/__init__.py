"""Canonical domain model shared by every connector and service.

Connectors map vendor payloads into these types; services and the web layer only
ever see these.
"""
from app.domain.credit import CustomerCredit, HoldReason
from app.domain.deal import Account, Deal, DealLine
from app.domain.events import DealWon
from app.domain.ids import idempotency_key
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.order import OrderLine, OrderRequest, OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.stock import ItemInfo, StockLine

__all__ = [
    "Account", "CustomerCredit", "Deal", "DealLine", "DealWon", "HoldReason",
    "Invoice", "InvoiceStatus", "ItemInfo", "OrderLine", "OrderRequest", "OrderResult", "OrderStatus",
    "PriceQuote", "StockLine", "idempotency_key",
]
