"""Requests served in process: a view called on a fresh ``WSGIRequest``, as Django's handler would.

Each request is a new ``WSGIRequest`` built from a prepared WSGI environ (a dict copy, a few
microseconds), so nothing cached on a request object (ctfy_auth caches its resolution there) can
leak from one iteration to the next.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponseBase
from django.test import RequestFactory

__all__ = ["BenchmarkError", "Block", "View", "environ_for", "request_for", "serve", "throughput"]

View = Callable[..., HttpResponseBase]


class BenchmarkError(RuntimeError):
    """Something answered what it should not: the run is broken, not slow."""


def environ_for(path: str, authorization: str | None) -> dict[str, Any]:
    """The WSGI environ of ``GET path`` with this ``Authorization`` header (or none)."""
    headers = {"Authorization": authorization} if authorization else None
    request = RequestFactory().get(path, headers=headers)
    return dict(request.environ)


def request_for(environ: dict[str, Any]) -> WSGIRequest:
    return WSGIRequest(environ.copy())


def serve(view: View, environ: dict[str, Any], expect: int = 200) -> HttpResponseBase:
    """One request through ``view``, rendered; ``BenchmarkError`` on an unexpected status."""
    response = view(request_for(environ))
    render = getattr(response, "render", None)
    if callable(render):
        render()
    if response.status_code != expect:
        body = getattr(response, "content", b"")[:300]
        raise BenchmarkError(
            f"{environ.get('PATH_INFO')} answered {response.status_code}, expected {expect}: "
            f"{body!r}"
        )
    return response


@dataclass(frozen=True, slots=True)
class Block:
    """One timed block: wall-clock requests per second, and this process's CPU per request."""

    rps: float
    cpu_us: float


def throughput(view: View, environ: dict[str, Any], iterations: int) -> Callable[[], Block]:
    """A block of ``iterations`` requests through ``view``."""

    def block() -> Block:
        gc.collect()
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        for _ in range(iterations):
            serve(view, environ)
        elapsed = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        return Block(rps=iterations / (elapsed / 1e9), cpu_us=cpu / iterations / 1000)

    return block
