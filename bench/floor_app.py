"""The floor for bench/panel.py: a trivial Flask endpoint returning the panel's bytes as they are.

Served by gunicorn with the same settings as erp-panel; ``BENCH_FLOOR_BODY`` names the file
holding the bytes (one real warm panel answer).
"""
from __future__ import annotations

import os

from flask import Flask, Response

with open(os.environ["BENCH_FLOOR_BODY"], "rb") as fh:
    BODY = fh.read()

app = Flask("floor")


@app.get("/api/v1/panel/accounts/<account>")
def panel(account: str) -> Response:
    return Response(BODY, mimetype="application/json")
