"""The panel answer as JSON bytes without dumping every figure through marshmallow on every read.

A warm panel is the same cached data read after read; only its age moves. So each section is
dumped by its own ``PanelSchema`` section schema once per (cached data, state, message, day)
and kept as JSON text; a read dumps the few top-level fields, puts the sections' text in and
writes each section's current age. The bytes are exactly what ``jsonify(PanelSchema().dump(...))``
would give (sorted keys, compact separators, the app's JSON provider), which a test checks for
every section state. The memo is bounded in bytes, least recently used first.
"""
from __future__ import annotations

import threading
from datetime import date
from typing import Any

from cachetools import LRUCache
from flask import Flask, Response

from app.panel.model import DataKind, PanelView, Section
from app.panel.present import panel_dict, panel_header, section_dict
from app.web.panel_schemas import PanelSchema, SectionsSchema

#: bytes of section JSON kept per process
MEMO_BYTES = 8 * 1024 * 1024
#: per memo entry besides its text: the key tuple and the LRU's bookkeeping
MEMO_OVERHEAD = 400
#: a section's JSON starts with its age: keys are sorted and "age_seconds" sorts first
_AGE_PREFIX = '{"age_seconds":null,'
_SECTIONS = '"__sections__"'

_TOP = PanelSchema(exclude=("sections",))
_SECTION_SCHEMAS = {kind: SectionsSchema().fields[kind.value].schema for kind in DataKind}


class PanelRenderer:
    """Renders PanelViews to the panel API's JSON response."""

    def __init__(self, memo_bytes: int = MEMO_BYTES):
        self._memo: LRUCache = LRUCache(maxsize=memo_bytes, getsizeof=lambda value: len(value[1]) + MEMO_OVERHEAD)
        self._lock = threading.Lock()

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return int(self._memo.currsize)

    def response(self, app: Flask, view: PanelView, today: date) -> Response | dict[str, Any]:
        """The JSON response; in pretty-printing mode (debug) the plain dict for the schema to dump."""
        provider = app.json
        compact = getattr(provider, "compact", None)
        if (compact is None and app.debug) or compact is False:
            return panel_dict(view, today)
        dumps = provider.dumps               # the app's provider: its default, ensure_ascii and sort_keys
        top = _TOP.dump(panel_header(view))
        sections = ",".join(f'"{kind.value}":{self._section(kind, section, today, dumps)}'
                            for kind, section in sorted(view.sections.items(), key=lambda item: item[0].value))
        text = dumps({**top, "sections": "__sections__"}, separators=(",", ":"))
        body = text.replace(_SECTIONS, "{" + sections + "}", 1)
        return app.response_class(f"{body}\n", mimetype=provider.mimetype)

    def _section(self, kind: DataKind, section: Section, today: date, dumps) -> str:
        key = (kind, id(section.data), section.state, section.as_of, section.source, section.reason,
               section.message, section.retry_after, today)
        with self._lock:
            memo = self._memo.get(key)
        if memo is None or memo[0] is not section.data:
            plain = section_dict(section, today) | {"age_seconds": None}
            memo = (section.data, dumps(_SECTION_SCHEMAS[kind].dump(plain), separators=(",", ":")))
            with self._lock:
                try:
                    self._memo[key] = memo
                except ValueError:      # larger than the whole memo: used once, not kept
                    pass
        text = memo[1]
        if section.age_seconds is None or not text.startswith(_AGE_PREFIX):
            return text
        # the JSON encoder writes a float with float.__repr__ (json.encoder.FLOAT_REPR)
        age = float.__repr__(float(round(section.age_seconds, 1)))
        return '{"age_seconds":' + age + "," + text[len(_AGE_PREFIX):]
