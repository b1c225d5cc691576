"""How many bytes a cached value holds in this process, so in-process caches can be bounded in bytes.

``sys.getsizeof`` counts one object only; a cached panel section is a list of domain
dataclasses holding strings, Decimals and dates. ``deep_sizeof`` walks containers,
dataclasses and objects with ``__dict__``/``__slots__`` and adds up every object once.
Enum members, None, booleans and small shared singletons are not counted: they exist
once per process whatever the cache holds.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from enum import Enum
from typing import Any

_SHARED = (type(None), bool, Enum, type)
_LEAVES = (str, bytes, bytearray, int, float, complex)


def deep_sizeof(value: Any) -> int:
    """Bytes held by ``value`` and everything it references (each object counted once)."""
    seen: set[int] = set()
    total = 0
    stack = [value]
    while stack:
        obj = stack.pop()
        if isinstance(obj, _SHARED) or id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, _LEAVES):
            continue
        if isinstance(obj, Mapping):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        else:
            attrs = getattr(obj, "__dict__", None)
            if attrs is not None:
                stack.extend(attrs.values())
            for slot in getattr(type(obj), "__slots__", ()):
                if hasattr(obj, slot):
                    stack.append(getattr(obj, slot))
    return total
