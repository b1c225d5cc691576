"""Start-up failures as one line on stderr: what could not be reached, where, and why.

``erp-panel db upgrade``, ``erp-panel worker``, ``erp-panel demo`` and gunicorn (``app.wsgi``) run
their start-up inside ``exit_on_startup_error``: a wrong setting or an unreachable database prints
e.g. ``erp-panel: cannot reach the database PostgreSQL at db.internal:5432 (database erp):
Connection refused`` and exits non-zero, instead of 100+ lines of traceback with the cause at the
bottom. ``ERP_PANEL_DEBUG=1`` lets the exception (and its traceback) through.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from app.errors import ConfigError
from app.storage.db import DatabaseUnreachable

DEBUG_ENV = "ERP_PANEL_DEBUG"
#: exit status of the CLI commands when start-up fails (same as their other usage errors)
EXIT_CLI = 2
#: gunicorn's APP_LOAD_ERROR: its arbiter stops ("App failed to load.") instead of respawning workers forever
EXIT_GUNICORN = 4


def debug_enabled() -> bool:
    """ERP_PANEL_DEBUG=1 (or true/yes/on): show full tracebacks of start-up failures."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def startup_error_line(exc: BaseException) -> str:
    """One line saying what went wrong (never a secret: URLs are shown as host and port only)."""
    if isinstance(exc, ConfigError):
        return f"configuration error: {exc}"
    if isinstance(exc, DatabaseUnreachable):
        return str(exc)
    detail = (str(exc).strip().splitlines() or [""])[0]
    return f"start-up failed ({type(exc).__name__}: {detail}); set {DEBUG_ENV}=1 for the traceback"


@contextlib.contextmanager
def exit_on_startup_error(exit_code: int = EXIT_CLI) -> Iterator[None]:
    """Turn any exception of the enclosed start-up into one stderr line and ``SystemExit(exit_code)``."""
    try:
        yield
    except Exception as exc:
        if debug_enabled():
            raise
        print(f"erp-panel: {startup_error_line(exc)}", file=sys.stderr, flush=True)
        raise SystemExit(exit_code) from None
