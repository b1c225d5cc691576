"""openapi.yaml is generated from the app; this fails when the committed file drifts."""
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from app.cli import build_openapi_yaml
from app.web.openapi_doc import OperationIdPlugin, operation_id

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


def _operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method != "parameters":
                yield method, path, op


def test_every_operation_has_a_unique_operation_id_and_declares_security():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    schemes = set(spec["components"]["securitySchemes"])
    ids = [op.get("operationId") for _m, _p, op in _operations(spec)]
    assert None not in ids and len(set(ids)) == len(ids)
    for method, path, op in _operations(spec):
        assert "security" in op, f"{method} {path}: declare security (@blp.doc(security=...))"
        for requirement in op["security"]:
            assert set(requirement) <= schemes
        if op["security"] == []:
            assert "verified" in op.get("description", ""), f"{method} {path}: say how the request is verified"
    assert spec["servers"] == [{"url": "/", "description": "The erp-panel deployment serving this document"}]


def test_operation_ids_follow_the_naming_rule():
    assert operation_id("admin_api.AdminSettings", "put") == "adminApiPutAdminSettings"
    assert operation_id("panel.WidgetSession", "post") == "panelPostWidgetSession"
    assert operation_id("orders_admin.ReplayOne", "post") == "ordersAdminPostReplayOne"
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert spec["paths"]["/api/v1/admin/orders/jobs"]["get"]["operationId"] == "ordersAdminGetJobs"


def test_two_operations_with_one_id_fail_loudly():
    plugin = OperationIdPlugin()
    plugin.operation_helper(path="/a", operations={"get": {}}, rule=SimpleNamespace(endpoint="bp.View"))
    plugin.operation_helper(path="/a", operations={"get": {}}, rule=SimpleNamespace(endpoint="bp.View"))  # same op
    own = {"get": {"operationId": "bpGetView"}}
    with pytest.raises(ValueError, match="bpGetView"):
        plugin.operation_helper(path="/b", operations=own, rule=SimpleNamespace(endpoint="bp.Other"))


def test_the_generated_document_does_not_depend_on_the_machine(monkeypatch):
    first = build_openapi_yaml()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://somewhere-else.test")
    assert build_openapi_yaml() == first
