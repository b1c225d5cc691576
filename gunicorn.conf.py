"""gunicorn settings for the web process (Procfile: ``gunicorn -c gunicorn.conf.py app.wsgi:app``).

With PROMETHEUS_MULTIPROC_DIR set, every worker writes its metrics into that directory and
/metrics adds them up; these hooks keep the directory tidy (see app/ops/multiproc.py).
"""
from app.ops.multiproc import mark_dead, prepare_directory


def on_starting(server):
    """Master start: create the metrics directory, drop files of processes that no longer run."""
    prepare_directory()


def child_exit(server, worker):
    """A worker exited: forget its live gauges."""
    mark_dead(worker.pid)
