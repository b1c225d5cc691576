"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py app.wsgi:app``.

A start-up failure (bad setting, database unreachable) is one line on stderr and gunicorn's
"App failed to load" exit (status 4); ERP_PANEL_DEBUG=1 shows the traceback instead. Each web
process writes its operations signals (per-tenant counts the embedded alerting reads) from a
background thread.
"""
import gc

from app import create_app
from app.startup import EXIT_GUNICORN, exit_on_startup_error

with exit_on_startup_error(EXIT_GUNICORN):
    app = create_app()
app.extensions["erp_panel"].ops.signals.start_background()

# Everything built so far (the app, its routes and schemas, SQLAlchemy's and marshmallow's own objects)
# lives as long as the worker. Moving it to the permanent generation keeps each full collection from
# scanning it again: without this, gen-2 collections stalled requests for 50-400 ms under load.
# https://docs.python.org/3/library/gc.html#gc.freeze
gc.freeze()
