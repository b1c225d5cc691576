"""Hostile request bodies get a 4xx problem before any view, parser or signature check sees them.

One guard for every route (``before_request`` of the app, so it runs before blueprint hooks):

* **Size.** MAX_BODY_BYTES for every body. Werkzeug refuses a larger ``Content-Length`` with 413
  itself, but a chunked body (no ``Content-Length``; gunicorn sets ``wsgi.input_terminated``) is
  silently cut at the limit, so signed webhooks then failed their signature (401). Here the
  stream is read to the limit and probed for one more byte: more means 413.
* **JSON shape.** Python's parser raises RecursionError on deep nesting and ValueError on
  integers of more than 4300 digits (https://docs.python.org/3/library/stdtypes.html#int-max-str-digits);
  both escaped every JSON consumer (webargs, ``get_json``, connectors) as a 500. A JSON-looking
  body nested deeper than MAX_JSON_DEPTH or with a number of more than MAX_NUMBER_DIGITS digits
  is refused with 400 before anything parses it, so no later ``json.loads`` can meet one.
"""
from __future__ import annotations

import re
from array import array
from itertools import accumulate

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import BadRequest

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_NUMBER_DIGITS = 100

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_START = (b"[", b"{")
#: whitespace, byte-order marks and the NULs of UTF-16/32 text may precede a JSON document
_LEADING = b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_LONG_NUMBER = re.compile(rb"\d{%d,}" % (MAX_NUMBER_DIGITS + 1))
#: brackets -> signed steps (+1 opens, -1 closes) for a C-speed running sum
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class HostileJSON(BadRequest):
    """A JSON body no parser should be asked to read."""


def json_hazard(body: bytes) -> str | None:
    """The reason a JSON body is refused (``json_too_deep`` / ``json_number_too_long``), or None."""
    text = _STRING.sub(b'""', body.replace(b"\x00", b""))      # string contents are neither depth nor numbers
    if _LONG_NUMBER.search(text):
        return "json_number_too_long"
    if text.count(b"[") + text.count(b"{") > MAX_JSON_DEPTH:   # fewer openers cannot nest deeper
        steps = array("b", _NOT_BRACKET.sub(b"", text).translate(_STEPS))
        if max(accumulate(steps)) > MAX_JSON_DEPTH:
            return "json_too_deep"
    return None


def _looks_like_json(body: bytes) -> bool:
    return request.is_json or body.lstrip(_LEADING)[:1] in _JSON_START


def _read_streamed_body() -> bytes:
    """The body of a request without Content-Length, refusing one longer than the limit (413)."""
    body = request.get_data(cache=True)
    if len(body) >= MAX_BODY_BYTES and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    return body


def guard_request_body() -> None:
    """Refuse an oversized or hostile-JSON body (413 / 400 problem+json); a no-op for bodiless requests."""
    streamed = request.content_length is None and "wsgi.input_terminated" in request.environ
    if not streamed and not request.content_length:
        return
    if request.mimetype in _FORM_TYPES and not streamed:
        return
    body = _read_streamed_body() if streamed else request.get_data(cache=True)
    if request.mimetype in _FORM_TYPES or not _looks_like_json(body):
        return
    reason = json_hazard(body)
    if reason == "json_too_deep":
        raise HostileJSON(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.", reason=reason)
    if reason == "json_number_too_long":
        raise HostileJSON(f"The JSON body has a number longer than {MAX_NUMBER_DIGITS} digits.", reason=reason)


def register_body_guard(app: Flask) -> None:
    """Install the guard and the body limit on the app."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(guard_request_body)
