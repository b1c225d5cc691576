import json
import logging

from click.testing import CliRunner
from cryptography.fernet import Fernet

from app.cli import main
from app.logging_setup import JsonFormatter
from app.storage.schema import head_revision


def test_json_logs_redact_secret_fields():
    record = logging.LogRecord("erp_panel.x", logging.INFO, __file__, 1, "called %s", ("erp",), None)
    record.ctx = {"tenant_id": "t1", "access_token": "abc", "Authorization": "Bearer x", "status": 200}
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "called erp" and line["tenant_id"] == "t1" and line["status"] == 200
    assert line["access_token"] == "[redacted]" and line["Authorization"] == "[redacted]"


def test_cli_db_upgrade_and_new_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and f"schema at revision {head_revision()} (sqlite)" in result.output
    key = runner.invoke(main, ["new-key"]).output.strip()
    Fernet(key.encode())


def test_cli_reports_bad_config_plainly(monkeypatch):
    monkeypatch.setenv("ERP_PANEL_ENV", "production")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2 and "Invalid production configuration" in result.output


def test_openapi_check_detects_drift(tmp_path):
    out = tmp_path / "openapi.yaml"
    out.write_text("stale: true\n")
    runner = CliRunner()
    result = runner.invoke(main, ["openapi", "--check", "-o", str(out)])
    assert result.exit_code == 2 and "out of date" in result.output
    assert runner.invoke(main, ["openapi", "-o", str(out)]).exit_code == 0
    assert runner.invoke(main, ["openapi", "--check", "-o", str(out)]).exit_code == 0
