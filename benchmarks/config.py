"""How big each benchmark is: the full run, and the ``--quick`` smoke of every part."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["FULL", "QUICK", "Sizes", "scale_alias"]


@dataclass(frozen=True, slots=True)
class Sizes:
    # 1. auth overhead (in process)
    auth_rounds: int
    auth_iterations: int
    background_users: int
    # 2. writes per request
    writes_requests: int
    # 3. login
    login_rounds: int
    login_attempts: int
    # 4. scale
    scale_sizes: tuple[int, ...]
    scale_rounds: int
    scale_requests: int
    scale_sample: int
    # 5. and 6. real servers
    server_rounds: int
    server_seconds: float
    server_rss_requests: int
    server_concurrency: int
    reference_rounds: int
    reference_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Sizes:
        raw = dict(raw)
        raw["scale_sizes"] = tuple(raw["scale_sizes"])
        return cls(**raw)


FULL = Sizes(
    auth_rounds=15,
    auth_iterations=600,
    background_users=1000,
    writes_requests=1000,
    login_rounds=5,
    login_attempts=8,
    scale_sizes=(1_000, 100_000, 1_000_000),
    scale_rounds=40,
    scale_requests=100,
    scale_sample=2000,
    server_rounds=5,
    server_seconds=5.0,
    server_rss_requests=10_000,
    server_concurrency=4,
    reference_rounds=5,
    reference_seconds=5.0,
)

QUICK = Sizes(
    auth_rounds=3,
    auth_iterations=100,
    background_users=20,
    writes_requests=300,
    login_rounds=1,
    login_attempts=1,
    scale_sizes=(10, 100, 1_000),
    scale_rounds=2,
    scale_requests=100,
    scale_sample=50,
    server_rounds=1,
    server_seconds=1.0,
    server_rss_requests=200,
    server_concurrency=2,
    reference_rounds=1,
    reference_seconds=1.0,
)


def scale_alias(rows: int) -> str:
    """The database alias of the scale benchmark's table with ``rows`` tokens."""
    return f"scale_{rows}"
