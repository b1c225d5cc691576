"""An unreachable database at start-up is one line naming the host and the cause, and a non-zero exit.

The database URL points at a closed loopback port (bound, then released), so the refusal is
immediate and nothing leaves the machine. The processes are the real entry points: the
``erp-panel`` CLI (``db upgrade``, ``worker``) and gunicorn with ``app.wsgi``.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.loopback


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def environment(tmp_path, closed_port) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERP_PANEL_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=f"postgresql://erp:secret-password@127.0.0.1:{closed_port}/erp",
               ERP_PANEL_INSTANCE=str(tmp_path / "instance"), HOME=str(tmp_path))
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)


def ours(output: str) -> list[str]:
    """The lines erp-panel itself printed (gunicorn adds its own [INFO]/[ERROR] log lines)."""
    return [line for line in output.splitlines() if line.strip() and not line.startswith("[")]


@pytest.mark.parametrize("command", [["db", "upgrade"], ["worker"]])
def test_cli_commands_print_one_line_naming_host_and_cause(environment, closed_port, command):
    result = run(["-m", "app.cli", *command], environment)
    assert result.returncode == 2
    assert ours(result.stderr + result.stdout) == [
        f"erp-panel: cannot reach the database PostgreSQL at 127.0.0.1:{closed_port} (database erp): "
        "Connection refused"]
    assert "secret-password" not in result.stderr


def test_gunicorn_prints_one_line_and_stops(environment, closed_port):
    result = run(["-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "--no-control-socket",
                  "app.wsgi:app"], environment)
    output = result.stderr + result.stdout
    assert result.returncode == 4, output[-2000:]                # gunicorn: "App failed to load", no respawning
    assert "Traceback" not in output
    assert ours(output) == [f"erp-panel: cannot reach the database PostgreSQL at 127.0.0.1:{closed_port} "
                            "(database erp): Connection refused"]


def test_the_debug_flag_shows_the_traceback(environment):
    result = run(["-m", "app.cli", "db", "upgrade"], {**environment, "ERP_PANEL_DEBUG": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "DatabaseUnreachable" in result.stderr


def test_a_configuration_error_is_one_line_too(environment):
    result = run(["-m", "app.cli", "db", "upgrade"], {**environment, "ERP_PANEL_ENV": "production"})
    assert result.returncode == 2
    [line] = ours(result.stderr)
    assert line.startswith("erp-panel: configuration error: Invalid production configuration: SECRET_KEY")
