"""Small statistics and the round-robin scheduler every benchmark uses."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

__all__ = ["interleaved", "median", "percentile", "ratios_by_round"]

T = TypeVar("T")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (``pct`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def interleaved(
    rounds: int,
    variants: Mapping[str, Callable[[], T]],
    on_block: Callable[[int, str, T], None] | None = None,
) -> dict[str, list[T]]:
    """Run every variant once per round, for ``rounds`` rounds; results by variant, in round order.

    The order rotates each round (A B C, B C A, C A B, ...), so no variant is always first after a
    pause or always last, and drift of the machine (thermal, other tenants, caches) reaches every
    variant in every round alike.
    """
    names = list(variants)
    results: dict[str, list[T]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            result = variants[name]()
            results[name].append(result)
            if on_block is not None:
                on_block(round_no, name, result)
    return results


def ratios_by_round(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Per-round ratios: each round's two measurements saw the same state of the machine."""
    return [n / d for n, d in zip(numerator, denominator, strict=True) if d]
