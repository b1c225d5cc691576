"""A small HTTP/1.1 load generator on asyncio: keep-alive connections, no third-party client.

Cheap per request (raw sockets, one parse of the status line and Content-Length), so on a
small machine it leaves most of the CPU to the server it measures. Two modes:
  * ``closed_loop``: N connections each sending the next request as soon as the answer arrived
    (throughput), each replaced by a new one every ``PER_CONNECTION`` requests;
  * ``open_loop``: requests started at a fixed rate whatever the server does, latency measured
    from the planned start (no coordinated omission), on as many connections as needed.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

#: requests on one connection before the closed loop opens a new one. A server with several worker
#: processes spreads connections, not requests: with a fixed set of connections an uneven first spread
#: (say 12 on one worker, 4 on the other) would decide the whole run's throughput.
PER_CONNECTION = 50


@dataclass
class Result:
    """What a load run saw: per-request latency (seconds), start offsets, statuses, bodies kept."""

    latencies: list[float] = field(default_factory=list)
    started: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def record(self, started: float, latency: float, status: int, body: bytes, keep_bodies: bool) -> None:
        self.started.append(started)
        self.latencies.append(latency)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if keep_bodies:
            self.bodies.append(body)


def request_bytes(path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


async def _closed(port: int, request: bytes, connections: int, seconds: float, keep_bodies: bool,
                  per_connection: int) -> Result:
    result = Result()
    origin = time.perf_counter()
    stop_at = origin + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                for _ in range(per_connection):
                    start = time.perf_counter()
                    if start >= stop_at:
                        break
                    status, body = await _exchange(reader, writer, request)
                    result.record(start - origin, time.perf_counter() - start, status, body, keep_bodies)
            finally:
                writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - origin
    return result


async def _open(port: int, request: bytes, rate: float, seconds: float, keep_bodies: bool) -> Result:
    result = Result()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    origin = time.perf_counter()

    async def one(planned: float) -> None:
        conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
        try:
            status, body = await _exchange(*conn, request)
        except (asyncio.IncompleteReadError, ConnectionError):
            # the server closed a connection that sat idle past its keep-alive: open a new one
            conn[1].close()
            conn = await asyncio.open_connection("127.0.0.1", port)
            status, body = await _exchange(*conn, request)
        result.record(planned - origin, time.perf_counter() - planned, status, body, keep_bodies)
        idle.append(conn)

    tasks = []
    total = int(rate * seconds)
    for n in range(total):
        planned = origin + n / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(planned)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - origin
    for _, writer in idle:
        writer.close()
    return result


def closed_loop(port: int, request: bytes, *, connections: int, seconds: float, keep_bodies: bool = False,
                per_connection: int = PER_CONNECTION) -> Result:
    """Throughput: ``connections`` keep-alive connections, back to back, for ``seconds``; each connection is
    replaced after ``per_connection`` requests."""
    return asyncio.run(_closed(port, request, connections, seconds, keep_bodies, per_connection))


def open_loop(port: int, request: bytes, *, rate: float, seconds: float, keep_bodies: bool = False) -> Result:
    """Latency at a fixed arrival rate (requests per second) for ``seconds``."""
    return asyncio.run(_open(port, request, rate, seconds, keep_bodies))
