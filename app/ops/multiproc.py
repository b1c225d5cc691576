"""prometheus-client's multiprocess mode: several gunicorn workers and order workers, one scrape.

With ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts), every process writes its
metrics to its own memory-mapped files in that directory and a scrape adds them up
(https://prometheus.github.io/client_python/multiprocess/). The directory needs two chores:

* at start (gunicorn's ``on_starting`` hook in ``gunicorn.conf.py``): create it and remove the
  files of processes that no longer run, so an old run's files neither pile up nor linger; files
  of running processes (an order worker sharing the directory) are kept;
* when a process exits (gunicorn's ``child_exit`` hook; the order worker at shutdown): drop its
  live gauges (``mark_process_dead``).

This module imports nothing of the app, so gunicorn's master can load it cheaply.
"""
from __future__ import annotations

import os
import re

from prometheus_client import multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PID_FILE = re.compile(r"_(\d+)\.db$")


def multiprocess_dir() -> str | None:
    """The shared metrics directory when multiprocess mode is on, else None."""
    return os.environ.get(MULTIPROC_ENV) or None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True             # it exists, owned by someone else
    return True


def prepare_directory(path: str | None = None) -> int:
    """Create the directory and remove metric files of processes that are not running; returns how many."""
    path = path or multiprocess_dir()
    if not path:
        return 0
    os.makedirs(path, exist_ok=True)
    removed = 0
    for name in os.listdir(path):
        match = _PID_FILE.search(name)
        if match and not _running(int(match.group(1))):
            os.remove(os.path.join(path, name))
            removed += 1
    return removed


def mark_dead(pid: int) -> None:
    """Forget a finished process's live gauges (no-op outside multiprocess mode)."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid, path)
