"""Does a PostgreSQL or Redis server answer at an address? Standard library only, no driver.

Each probe speaks the first step of the service's own protocol, so a port that is open but held
by something else does not count as the service.
"""

from __future__ import annotations

import socket
import struct
from urllib.parse import SplitResult, unquote, urlsplit

__all__ = ["postgres_problem", "redis_problem"]

#: PostgreSQL's SSLRequest: a server of any version answers it with one byte, b"S" or b"N",
#: before any authentication.
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def _connect(parts: SplitResult, default_port: int, timeout: float) -> socket.socket:
    if parts.scheme == "unix":  # redis-py's unix:///path/to/redis.sock?db=1
        return _connect_unix(parts.path, timeout)
    host = unquote(parts.hostname or "")
    if not host:
        # e.g. postgres:///test?host=/run/postgresql
        host = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("host", "")
        host = unquote(host) or "127.0.0.1"
    port = parts.port or default_port
    if host.startswith("/"):  # PostgreSQL's Unix socket directory
        return _connect_unix(f"{host}/.s.PGSQL.{port}", timeout)
    return socket.create_connection((host, port), timeout=timeout)


def _connect_unix(path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def _where(parts: SplitResult, default_port: int) -> str:
    if parts.scheme == "unix":
        return parts.path
    return f"{unquote(parts.hostname or 'localhost')}:{parts.port or default_port}"


def postgres_problem(url: str, timeout: float = 3.0) -> str:
    """``""`` when a PostgreSQL server answers at ``url``'s address, else why not."""
    parts = urlsplit(url)
    try:
        with _connect(parts, 5432, timeout) as sock:
            sock.sendall(_SSL_REQUEST)
            reply = sock.recv(1)
    except OSError as exc:
        return f"nothing answers at {_where(parts, 5432)} ({exc.strerror or exc})"
    if reply not in (b"S", b"N"):
        return f"{_where(parts, 5432)} answers, but not as PostgreSQL ({reply!r})"
    return ""


def redis_problem(url: str, timeout: float = 3.0) -> str:
    """``""`` when a Redis server answers PING at ``url``'s address, else why not."""
    parts = urlsplit(url)
    try:
        with _connect(parts, 6379, timeout) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        return f"nothing answers at {_where(parts, 6379)} ({exc.strerror or exc})"
    # +PONG, or an error such as -NOAUTH: either way a Redis server is there.
    if reply[:1] not in (b"+", b"-"):
        return f"{_where(parts, 6379)} answers, but not as Redis ({reply[:20]!r})"
    return ""
