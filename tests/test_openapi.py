"""openapi.yaml is generated from the app; this fails when the committed file drifts."""
from pathlib import Path

import yaml

from app.cli import build_openapi_yaml

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_yaml_matches_the_app():
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == build_openapi_yaml(), "openapi.yaml is out of date: run `erp-panel openapi`"


def test_every_operation_documents_problem_errors():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            assert op.get("summary") or op.get("description"), f"{method} {path} needs a docstring"
            assert "responses" in op
