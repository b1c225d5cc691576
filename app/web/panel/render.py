"""The panel answer as JSON bytes without dumping every figure through marshmallow on every read.

A warm panel is the same cached data read after read; only its ages and ``generated_at`` move.
So the first read of a panel dumps it with ``PanelSchema`` (the schema that documents the API) into
a template - the JSON text cut where the ages and ``generated_at`` go - and later reads with the
same data, states and messages fill the template in. The bytes are exactly what
``jsonify(PanelSchema().dump(...))`` gives (sorted keys, compact separators, the app's JSON
provider), which a test checks for every section state. Templates are kept per process, bounded
in bytes, least recently used first.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from cachetools import LRUCache
from flask import Flask, Response
from marshmallow.fields import Nested

from app.panel.model import PanelView
from app.panel.present import panel_dict, section_dict
from app.panel.schema import PanelSchema, SectionsSchema

#: bytes of templates kept per process
MEMO_BYTES = 8 * 1024 * 1024
#: per template besides its text: the key tuple, the data references and the LRU's bookkeeping
MEMO_OVERHEAD = 1000
#: stands in for generated_at in a template; ``"generated_at":"…"`` cannot occur inside a JSON string
_WHEN = datetime(1, 1, 1, tzinfo=UTC)
_AGE_NULL = '"age_seconds":null,'

_TOP = PanelSchema(exclude=("sections",))
_SECTION_SCHEMAS = {name: cast(Nested, field).schema for name, field in SectionsSchema().fields.items()}


@dataclass(frozen=True)
class _Template:
    data: tuple[Any, ...]         # the sections' cached data objects: a template serves exactly these
    head: str                     # up to the generated_at value
    middle: str                   # from after generated_at to the first section's age
    sections: tuple[str, ...]     # each section's text after its age
    size: int


class PanelRenderer:
    """Renders PanelViews to the panel API's JSON response."""

    def __init__(self, memo_bytes: int = MEMO_BYTES):
        self._memo: LRUCache = LRUCache(maxsize=memo_bytes, getsizeof=lambda template: template.size)
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
        kinds = sorted(view.sections, key=lambda kind: kind.value)
        sections = [view.sections[kind] for kind in kinds]
        key = (view.crm_account_id, view.erp_customer_id, today, view.last_credit_at,
               tuple((k, id(s.data), s.state, s.as_of, s.source, s.reason, s.message, s.retry_after,
                      s.unreachable_since, s.visibility, s.badges)
                     for k, s in zip(kinds, sections, strict=True)))
        with self._lock:
            template = self._memo.get(key)
        if template is None or any(a is not b for a, b in zip(template.data, (s.data for s in sections),
                                                                strict=True)):
            template = self._template(provider.dumps, view, today)
            with self._lock:
                try:
                    self._memo[key] = template
                except ValueError:      # larger than the whole memo: used once, not kept
                    pass
        when = _TOP.fields["generated_at"].serialize("generated_at", {"generated_at": view.generated_at})
        parts = [template.head, provider.dumps(when), template.middle]
        for section, text in zip(sections, template.sections, strict=True):
            # the JSON encoder writes floats with float.__repr__ (json.encoder.FLOAT_REPR)
            age = "null" if section.age_seconds is None else float.__repr__(float(round(section.age_seconds, 1)))
            parts += ['"age_seconds":', age, ",", text]
        parts.append("}}\n")
        # DefaultJSONProvider.mimetype; a provider without one answers application/json (JSONProvider.response)
        return app.response_class("".join(parts), mimetype=getattr(provider, "mimetype", "application/json"))

    def _template(self, dumps: Callable[..., str], view: PanelView, today: date) -> _Template:
        """Dump the panel once with the schema and cut it where the moving values go."""
        top = _TOP.dump({**panel_dict(view, today), "generated_at": _WHEN})
        top_text = dumps({**top, "sections": None}, separators=(",", ":"))
        when = dumps(_TOP.fields["generated_at"].serialize("generated_at", {"generated_at": _WHEN}))
        head, _, rest = top_text.partition('"generated_at":' + when)
        if not rest.endswith(',"sections":null}'):
            raise AssertionError("the panel's keys must sort with sections last")
        kinds = sorted(view.sections, key=lambda kind: kind.value)
        openings, tails = [], []
        for n, kind in enumerate(kinds):
            plain = section_dict(view.sections[kind], today) | {"age_seconds": None}
            text = dumps(_SECTION_SCHEMAS[kind.value].dump(plain), separators=(",", ":"))
            if not text.startswith("{" + _AGE_NULL):
                raise AssertionError("a section's keys must sort with age_seconds first")
            openings.append(("," if n else "") + dumps(kind.value) + ":{")
            tails.append(text[len("{" + _AGE_NULL):])
        middle = rest[:-len("null}")] + "{" + (openings[0] if openings else "")
        # each section's text after its age, followed by the next section's opening
        sections = tuple(tail + (openings[n + 1] if n + 1 < len(openings) else "") for n, tail in enumerate(tails))
        size = MEMO_OVERHEAD + len(head) + len(middle) + sum(len(text) for text in sections)
        return _Template(tuple(view.sections[kind].data for kind in kinds), head + '"generated_at":', middle,
                         sections, size)
