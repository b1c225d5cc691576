"""JSON codec for domain objects, used by shared caches (Redis) and job payloads.

Only the registered domain dataclasses can be decoded, so a tampered cache entry
cannot instantiate arbitrary objects (unlike pickle).
"""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.deal import Account, Deal, DealLine
from app.domain.events import DealWon
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.order import OrderLine, OrderRequest, OrderResult, OrderStatus
from app.domain.pricing import PriceQuote
from app.domain.readiness import LineFacts, Owner, Readiness, ReadinessItem, ReadinessState, Severity
from app.domain.stock import StockLine

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (CustomerCredit, StockLine, Invoice, PriceQuote, OrderLine, OrderRequest, OrderResult,
                Account, Deal, DealLine, DealWon, Readiness, ReadinessItem, LineFacts)
}
_ENUMS: dict[str, type[Enum]] = {e.__name__: e for e in (HoldReason, InvoiceStatus, OrderStatus, Owner,
                                                          ReadinessState, Severity)}


def _encode(obj: Any) -> Any:
    if isinstance(obj, Enum):
        return {"$enum": type(obj).__name__, "v": obj.value}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {"$t": type(obj).__name__, "f": fields}
    if isinstance(obj, Decimal):
        return {"$d": str(obj)}
    if isinstance(obj, datetime):
        return {"$dt": obj.isoformat()}
    if isinstance(obj, date):
        return {"$date": obj.isoformat()}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(x) for x in obj]}
    if isinstance(obj, list):
        return [_encode(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _encode(v) for k, v in obj.items()}
    return obj


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "$t" in obj:
        cls = _TYPES[obj["$t"]]
        return cls(**{k: _decode(v) for k, v in obj["f"].items()})
    if "$enum" in obj:
        return _ENUMS[obj["$enum"]](obj["v"])
    if "$d" in obj:
        return Decimal(obj["$d"])
    if "$dt" in obj:
        return datetime.fromisoformat(obj["$dt"])
    if "$date" in obj:
        return date.fromisoformat(obj["$date"])
    if "$tuple" in obj:
        return tuple(_decode(x) for x in obj["$tuple"])
    return {k: _decode(v) for k, v in obj.items()}


def dumps(obj: Any) -> str:
    """Serialise domain objects (and plain containers of them) to JSON text."""
    return json.dumps(_encode(obj), separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Inverse of dumps."""
    return _decode(json.loads(text))
