"""A private redis-server on a free loopback port that a test may kill, pause and restart."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading

import pytest

REQUIRE_SERVICES = os.environ.get("ERP_PANEL_REQUIRE_SERVICES", "") == "1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """redis-server without persistence on 127.0.0.1:<port>; ``kill`` is SIGKILL, ``pause`` is SIGSTOP."""

    def __init__(self, binary: str, workdir: str):
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start and block until the server logs that it accepts connections (no polling, no sleeps)."""
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir, "--loglevel", "notice"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = []
        for line in self.proc.stdout:
            log.append(line)
            if "Ready to accept connections" in line:
                break
        else:
            raise RuntimeError("redis-server did not start:\n" + "".join(log[-10:]))
        # keep draining its log so the pipe never fills up
        threading.Thread(target=_drain, args=(self.proc.stdout,), daemon=True).start()

    def kill(self) -> None:
        """SIGKILL: Redis is gone, with everything it held."""
        self.proc.kill()
        self.proc.wait(10)

    def pause(self) -> None:
        """SIGSTOP: Redis keeps its data and connections but answers nothing (a hung or cut-off server)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)


def _drain(out) -> None:
    """Read a pipe to its end (the process exited), then close it."""
    with out:
        for _ in out:
            pass


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server only this test uses (skipped with the reason when redis-server is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (Debian package redis-server)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and ERP_PANEL_REQUIRE_SERVICES=1 makes it required")
        pytest.skip(message + " (set ERP_PANEL_REQUIRE_SERVICES=1 to make this a failure)")
    server = PrivateRedis(binary, str(tmp_path))
    server.start()
    yield server
    server.stop()
