"""Frappe list semantics for the fake: fields, filters, order_by, limit_start/limit_page_length.

Mirrors frappe/api/v1.py + frappe.client.get_list as described in erp-contracts.md 1.2:
parameters are JSON-encoded, the default page length is 20 and 0 means "all".
"""
from __future__ import annotations

import json
import re
from typing import Any

from app.domain.customer import strip_accents

DEFAULT_PAGE_LENGTH = 20

def _like(value: Any, pattern: str) -> bool:
    """SQL ``like`` as MariaDB's default utf8mb4 collation compares: case- and accent-insensitive."""
    def norm(text: str) -> str:
        return strip_accents(text).casefold()
    regex = ".*".join(re.escape(part).replace("_", ".") for part in norm(pattern).split("%"))
    return value is not None and re.fullmatch(regex, norm(str(value)), flags=re.S) is not None


_OPS = {
    "like": _like,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b,
    ">": lambda a, b: a is not None and a > b,
    "<=": lambda a, b: a is not None and a <= b,
    ">=": lambda a, b: a is not None and a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _conditions(filters: Any) -> list[tuple[str, str, Any]]:
    if not filters:
        return []
    if isinstance(filters, dict):
        out = []
        for field, value in filters.items():
            op, val = (value[0], value[1]) if isinstance(value, list) else ("=", value)
            out.append((field, op, val))
        return out
    # [field, op, value] or the older [doctype, field, op, value]
    return [(f[-3], f[-2], f[-1]) for f in filters]


def matches(row: dict[str, Any], filters: Any) -> bool:
    return all(_OPS[op](row.get(field), value) for field, op, value in _conditions(filters))


def apply_list_query(rows: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """The page of rows a GET /api/resource/<DocType> would return."""
    filters = json.loads(params["filters"]) if params.get("filters") else None
    or_filters = _conditions(json.loads(params["or_filters"])) if params.get("or_filters") else []
    selected = [r for r in rows if matches(r, filters)
                and (not or_filters or any(_OPS[op](r.get(f), v) for f, op, v in or_filters))]
    if params.get("order_by"):
        field, _, direction = params["order_by"].partition(" ")
        selected.sort(key=lambda r: (r.get(field) is None, r.get(field)), reverse=direction.strip() == "desc")
    start = int(params.get("limit_start", 0) or 0)
    length = int(params.get("limit_page_length", params.get("limit", DEFAULT_PAGE_LENGTH)))
    page = selected[start:start + length] if length else selected[start:]
    fields = json.loads(params["fields"]) if params.get("fields") else ["name"]
    if fields == ["*"]:
        return [dict(r) for r in page]
    # a child-table column (`tabSales Invoice Item`.sales_order) comes back under its own name
    names = [f.rsplit(".", 1)[-1] if f.startswith("`tab") else f for f in fields]
    return [{n: r.get(n) for n in names} for r in page]
