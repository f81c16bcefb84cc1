"""A small load generator: N concurrent keep-alive HTTP/1.1 clients on one asyncio loop.

Each client owns one connection and sends its next request as soon as the previous
answer is read, until the deadline (closed loop, like 64 people pressing a button as
fast as the server lets them). Requests are prepared bytes, so the generator spends
microseconds per request; ``client_cpu_share`` (CPU time of this process / wall time)
shows how much of the machine it took, and the hello endpoint shows its ceiling.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.harness import percentile

USER_AGENT = "deliberate-bench/1"


def get(path: str, host: str, cookie: str | None = None) -> bytes:
    """The bytes of a GET request."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", f"User-Agent: {USER_AGENT}"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post(
    path: str,
    host: str,
    body: str = "",
    cookie: str | None = None,
    forwarded_for: str | None = None,
) -> bytes:
    """The bytes of a form POST; ``forwarded_for`` is the address a proxy in front saw."""
    raw = body.encode()
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        f"User-Agent: {USER_AGENT}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(raw)}",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if forwarded_for:
        lines.append(f"X-Forwarded-For: {forwarded_for}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


@dataclass
class LoadResult:
    """What one load phase did."""

    label: str
    seconds: float
    ok: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    client_cpu_share: float = 0.0
    exhausted_clients: int = 0
    machine_cpu_s: float = 0.0  # busy CPU of the whole machine during the phase (all cores)
    server_cpu_s: float = 0.0  # CPU of the server's processes (server_session), if given

    def cpu_ms_per_request(self, seconds: float) -> float:
        """CPU milliseconds per successful request."""
        return seconds / self.ok * 1000 if self.ok else 0.0

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        """Latency percentile in milliseconds (successful requests)."""
        return percentile(self.latencies, q) * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding":
            raise RuntimeError("chunked responses are not supported by the bench client")
    body = await reader.readexactly(length) if length else b""
    return status, body, close


async def _client(host, port, next_request, expect, deadline, result: LoadResult, index: int):
    reader = writer = None
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        request = next_request(index)
        if request is None:
            result.exhausted_clients += 1
            break
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            start = time.perf_counter()
            writer.write(request)
            status, body, close = await _read_response(reader)
            elapsed = time.perf_counter() - start
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as error:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(error).__name__}: {error}")
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == expect:
            result.ok += 1
            result.latencies.append(elapsed)
        else:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"HTTP {status}: {body[:200]!r}")
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def combined(label: str, results: list[LoadResult]) -> LoadResult:
    """Several phases of one load as one result: counts and CPU added, latencies pooled."""
    together = LoadResult(label, sum(r.seconds for r in results))
    for r in results:
        together.ok += r.ok
        together.errors += r.errors
        for status, n in r.statuses.items():
            together.statuses[status] = together.statuses.get(status, 0) + n
        together.error_samples += r.error_samples
        together.latencies += r.latencies
        together.exhausted_clients = max(together.exhausted_clients, r.exhausted_clients)
        together.machine_cpu_s += r.machine_cpu_s
        together.server_cpu_s += r.server_cpu_s
    if together.seconds:
        together.client_cpu_share = (
            sum(r.client_cpu_share * r.seconds for r in results) / together.seconds
        )
    return together


def run_load(
    base_url: str,
    *,
    label: str,
    clients: int,
    seconds: float,
    next_request: Callable[[int], bytes | None],
    expect: int,
    server_session: int | None = None,
) -> LoadResult:
    """Drive ``clients`` concurrent clients for ``seconds``; next_request(i) is client i's next.

    ``server_session``: the session id of the server's processes, whose CPU is counted.
    """
    parts = urlsplit(base_url)
    result = LoadResult(label, seconds)

    async def main():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _client(parts.hostname, parts.port, next_request, expect, deadline, result, i)
                for i in range(clients)
            )
        )

    machine, server = machine_busy_seconds(), session_cpu_seconds(server_session)
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - wall
    result.seconds = wall
    result.client_cpu_share = (time.process_time() - cpu) / wall
    result.machine_cpu_s = machine_busy_seconds() - machine
    result.server_cpu_s = session_cpu_seconds(server_session) - server
    return result


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (not idle, iowait or steal); Linux."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / _TICK


def session_cpu_seconds(session_id: int | None) -> float:
    """CPU seconds used so far by the live processes of one session (e.g. a gunicorn); Linux.

    Workers are long-lived, so the difference over a phase is their CPU in that phase.
    """
    if session_id is None:
        return 0.0
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                after_name = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        # Fields after the name: state ppid pgrp session ... utime(12) stime(13).
        if int(after_name[3]) == session_id:
            total += int(after_name[11]) + int(after_name[12])
    return total / _TICK
