"""Starting, probing, measuring and stopping the servers of benchmarks 5 and 6.

Every server runs in its own session (process group), started here and stopped here by its own
process id and group; nothing else on the machine is touched.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "Server",
    "free_port",
    "http_json",
    "rss_kib",
    "start",
    "stop",
    "wait_ready",
]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    notes: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    name: str, cmd: list[str], *, env: dict[str, str], cwd: Path, port: int, log: Path
) -> Server:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            cmd,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name=name, process=process, port=port, log=log)


def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, parts.path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw or b"null")
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


def wait_ready(server: Server, path: str, timeout: float) -> float:
    """Poll ``path`` until it answers 200; seconds it took. Raises with the log if it never does."""
    started = time.monotonic()
    last = ""
    while time.monotonic() - started < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with status {server.process.returncode} before answering "
                f"{path}. Last lines of its log ({server.log}):\n{server.log_tail()}"
            )
        try:
            status, _body = http_json("GET", server.base_url + path)
            if status == 200:
                return time.monotonic() - started
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} did not answer 200 on {path} within {timeout:.0f} s (last: {last}). "
        f"Last lines of its log ({server.log}):\n{server.log_tail()}"
    )


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the ppid follows the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _vm_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(root_pid: int) -> dict[str, int]:
    """VmRSS of ``root_pid`` and every descendant (gunicorn's master and workers), in KiB."""
    tree = _children()
    pids = [root_pid]
    out: dict[str, int] = {}
    while pids:
        pid = pids.pop()
        out[str(pid)] = _vm_rss_kib(pid)
        pids.extend(tree.get(pid, []))
    out["total"] = sum(out.values())
    return out


def stop(server: Server, timeout: float = 15) -> None:
    """SIGTERM to the server's own process group, SIGKILL if it lingers."""
    process = server.process
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
