"""Load generators for the real-server benchmarks, always in a process of their own.

* :func:`run_wrk` drives ``wrk`` (C, epoll) when it is installed: it takes little CPU, which
  matters on a small machine where the load generator shares the cores with the server.
* :func:`run_python` (and ``python -m benchmarks.loadgen``) is the fallback, and the only one that
  can send an exact number of requests: a thread pool, one ``http.client`` connection per thread,
  kept alive when the server allows it and reopened when it closes it (gunicorn's sync workers
  close every connection).

Both return a :class:`LoadResult`; any status other than the expected one is counted as an error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["LoadResult", "have_wrk", "main", "run_python", "run_wrk"]


@dataclass
class LoadResult:
    tool: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    url: str, header: str | None, *, seconds: float, connections: int, threads: int = 1
) -> LoadResult:
    """``wrk`` for ``seconds``; a non-2xx/3xx answer or a socket error counts as an error."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if header:
        cmd += ["-H", f"Authorization: {header}"]
    out = subprocess.run(  # noqa: S603 - wrk from PATH, arguments built here
        [*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    elapsed_match = re.search(r"requests in ([\d.]+\w+),", out)
    elapsed = _ms(elapsed_match.group(1)) / 1000 if elapsed_match else seconds
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket:  # wrk reconnects after "Connection: close" without counting an error
        errors += sum(int(n) for n in socket.groups())
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return LoadResult(
        tool="wrk",
        requests=requests,
        errors=errors,
        seconds=elapsed,
        rps=rps,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
    )


def run_python(
    url: str,
    header: str | None,
    *,
    connections: int,
    seconds: float | None = None,
    requests: int | None = None,
    expect: int = 200,
) -> LoadResult:
    """Run this module in a child process (so it never shares a GIL with anything measured)."""
    cmd = [sys.executable, "-m", "benchmarks.loadgen", url, "--connections", str(connections)]
    cmd += ["--expect", str(expect)]
    if header:
        cmd += ["--header", header]
    if requests is not None:
        cmd += ["--requests", str(requests)]
    else:
        cmd += ["--seconds", str(seconds or 5)]
    out = subprocess.run(  # noqa: S603 - this interpreter, arguments built here
        cmd,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=(seconds or 0) + 600,
    ).stdout
    return LoadResult(**json.loads(out))


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def _drive(
    url: str,
    header: str | None,
    connections: int,
    seconds: float | None,
    requests: int | None,
    expect: int,
) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Authorization": header} if header else {}
    lock = threading.Lock()
    remaining = [requests if requests is not None else -1]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[dict[str, int]] = [{} for _ in range(connections)]
    deadline = time.perf_counter() + seconds if seconds is not None else None

    def take() -> bool:
        if deadline is not None:
            return time.perf_counter() < deadline
        with lock:
            if remaining[0] <= 0:
                return False
            remaining[0] -= 1
            return True

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        while take():
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                key = str(response.status)
                if response.will_close:
                    conn.close()  # the next request() opens a new connection
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                key = type(exc).__name__
            latencies[slot].append((time.perf_counter() - t0) * 1000)
            statuses[slot][key] = statuses[slot].get(key, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    merged: dict[str, int] = {}
    for s in statuses:
        for key, count in s.items():
            merged[key] = merged.get(key, 0) + count
    ordered = sorted(x for lat in latencies for x in lat)
    done = len(ordered)
    return LoadResult(
        tool="python",
        requests=done,
        errors=done - merged.get(str(expect), 0),
        seconds=elapsed,
        rps=done / elapsed if elapsed else 0.0,
        p50_ms=_percentile(ordered, 50),
        p99_ms=_percentile(ordered, 99),
        statuses=merged,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    parser.add_argument("url")
    parser.add_argument("--header", help="the Authorization header's value")
    parser.add_argument("--connections", type=int, default=4)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--seconds", type=float)
    group.add_argument("--requests", type=int)
    parser.add_argument("--expect", type=int, default=200)
    args = parser.parse_args(argv)
    result = _drive(
        args.url, args.header, args.connections, args.seconds, args.requests, args.expect
    )
    print(json.dumps(result.as_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
