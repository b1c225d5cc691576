"""Quick retries of idempotent ERP reads: the one rule the HTTP layer and the panel share.

A read that fails with a retriable error is tried again after 0.25 s, then 0.5 s, ...
A rate-limited read waits the ERP's Retry-After only when that is short
(``MAX_RETRY_AFTER_WAIT``); a longer wait is the caller's business (the cache's
error back-off, the job queue). Writes never come through here.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from app.erp.base import ERPRateLimited, ERPRetriableError

log = logging.getLogger("erp_panel.erp")

T = TypeVar("T")

#: first pause in seconds; doubles per retry
BACKOFF_BASE = 0.25
#: a read waits out a 429 only when the ERP asks for at most this many seconds
MAX_RETRY_AFTER_WAIT = 2.0


def pause_before_retry(retry: int, exc: ERPRetriableError) -> float | None:
    """Seconds to wait before retry number ``retry`` (0-based) after ``exc``; None: do not retry."""
    pause = BACKOFF_BASE * (2 ** retry)
    if isinstance(exc, ERPRateLimited) and exc.retry_after is not None:
        if exc.retry_after > MAX_RETRY_AFTER_WAIT:
            return None
        pause = max(pause, exc.retry_after)
    return pause


def retry_read(read: Callable[[], T], *, retries: int, sleep: Callable[[float], None], what: str = "read") -> T:
    """Run ``read``; on a retriable ERP error try up to ``retries`` more times, then re-raise."""
    attempts = 1 + max(int(retries), 0)
    for attempt in range(attempts):
        try:
            return read()
        except ERPRetriableError as exc:
            pause = pause_before_retry(attempt, exc) if attempt + 1 < attempts else None
            if pause is None:
                raise
            log.info("%s failed (%s); retry %d in %.2fs", what, exc.reason, attempt + 1, pause)
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
