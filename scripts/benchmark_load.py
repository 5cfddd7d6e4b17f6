"""The load client of scripts/benchmark_endpoint.py: HTTP/1.1 over asyncio streams, one loop.

Minimal on purpose (POST with Content-Length, read a Content-Length response) so the client
costs little CPU next to the servers it measures on the same cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field

TIMEOUT = 30.0


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    seconds: float = 0.0
    note: str = ""

    def cells(self) -> str:
        if self.note:
            return f"1 | - | {self.note} | - | {self.errors}"
        total = len(self.latencies) + self.errors
        if not self.latencies:
            return f"{total} | 0 | - | - | {self.errors}"
        ms = sorted(s * 1000 for s in self.latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        rate = len(ms) / self.seconds if self.seconds else 0.0
        return f"{total} | {rate:.0f} | {statistics.median(ms):.1f} | {p99:.1f} | {self.errors}"


def request_bytes(body: bytes, keep_alive: bool) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    head = (
        "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\nConnection: {connection}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return status


async def one_client(port: int, payload: bytes, requests: int, keep_alive: bool, stats: Stats) -> None:
    connection = None
    for _ in range(requests):
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
            reader, writer = connection
            writer.write(payload)
            status = await asyncio.wait_for(read_response(reader), TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            stats.errors += 1
            connection = await _close(connection)
            continue
        if status == 200:
            stats.latencies.append(time.perf_counter() - started)
        else:
            stats.errors += 1
        if not keep_alive:
            connection = await _close(connection)
    await _close(connection)


async def _close(connection) -> None:
    if connection is not None:
        connection[1].close()
        with contextlib.suppress(OSError):
            await connection[1].wait_closed()
    return None


async def run_clients(port: int, body: bytes, clients: int, requests: int, keep_alive: bool) -> Stats:
    """`clients` concurrent clients x `requests` requests each."""
    stats = Stats()
    payload = request_bytes(body, keep_alive)
    started = time.perf_counter()
    await asyncio.gather(*(one_client(port, payload, requests, keep_alive, stats) for _ in range(clients)))
    stats.seconds = time.perf_counter() - started
    return stats


async def idle_then_requests(port: int, body: bytes, idle: int, requests: int) -> Stats:
    """Open `idle` silent connections, then time `requests` sequential requests on a new one."""
    opened = []
    failed = 0
    for _ in range(idle):
        try:
            opened.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5))
        except (TimeoutError, OSError):
            failed += 1
    await asyncio.sleep(0.5)
    stats = await run_clients(port, body, clients=1, requests=requests, keep_alive=True)
    stats.errors += failed
    for connection in opened:
        await _close(connection)
    return stats


async def short_body(port: int, wait: float) -> Stats:
    """Declare 100 bytes, send 1; seconds until the server closes (or `wait` passes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    writer.write(
        b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    try:
        while await asyncio.wait_for(reader.read(65536), wait - (time.perf_counter() - started)):
            pass
        note = f"closed after {time.perf_counter() - started:.1f} s"
    except (TimeoutError, ValueError):
        note = f"still open after {wait:.0f} s"
    except OSError:
        note = f"reset after {time.perf_counter() - started:.1f} s"
    await _close((reader, writer))
    return Stats(note=note)
