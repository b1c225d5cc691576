"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py app.wsgi:app``.

A start-up failure (bad setting, database unreachable) is one line on stderr and gunicorn's
"App failed to load" exit (status 4); ERP_PANEL_DEBUG=1 shows the traceback instead. Each web
process writes its operations signals (per-tenant counts the embedded alerting reads) from a
background thread.
"""
from app import create_app
from app.startup import EXIT_GUNICORN, exit_on_startup_error

with exit_on_startup_error(EXIT_GUNICORN):
    app = create_app()
app.extensions["erp_panel"].ops.signals.start_background()
