"""Structured JSON logs. Never log tokens, secrets or request/response bodies."""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings

_REDACT_KEYS = ("token", "secret", "password", "authorization", "api_key", "credential")


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the fields passed through ``extra={"ctx": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(), "level": record.levelname,
                 "logger": record.name, "msg": record.getMessage()}
        ctx = getattr(record, "ctx", None)
        if isinstance(ctx, dict):
            entry.update({k: ("[redacted]" if any(r in k.lower() for r in _REDACT_KEYS) else v)
                          for k, v in ctx.items()})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings) -> None:
    """Install the JSON handler on the erp_panel logger once."""
    logger = logging.getLogger("erp_panel")
    if any(getattr(h, "_erp_panel", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._erp_panel = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if settings.env == "test" else logging.INFO)
    logger.propagate = settings.env == "test"
