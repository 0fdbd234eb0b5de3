"""1. Authentication overhead: one trivial DRF endpoint behind each token scheme, in process.

Each variant is the same ``APIView`` (``benchmarks.views``) with a different authentication class,
called on a fresh ``WSGIRequest`` against the real database (one indexed lookup per scheme, no
mock). Rounds are interleaved: every round runs every variant once for ``auth_iterations``
requests, in a rotated order, and ratios are taken within a round, then their median reported.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test.utils import override_settings

from benchmarks import views
from benchmarks.config import Sizes
from benchmarks.fixtures import Credentials
from benchmarks.inproc import View, environ_for, serve, throughput
from benchmarks.report import PartResult, Table, Target, fmt
from benchmarks.stats import interleaved, median, ratios_by_round

__all__ = ["VARIANTS", "Variant", "run", "variants_for"]


@dataclass(frozen=True, slots=True)
class Variant:
    key: str
    label: str
    view: View
    path: str
    authorization: str | None
    #: CTFY_AUTH keys this variant runs with (over the project's).
    ctfy_auth: dict[str, Any] | None = None

    def active(self) -> AbstractContextManager[Any]:
        if not self.ctfy_auth:
            return nullcontext()
        return override_settings(CTFY_AUTH={**settings.CTFY_AUTH, **self.ctfy_auth})


def _in(variant: Variant, block: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with variant.active():
            return block()

    return run


VARIANTS: dict[str, str] = {
    "floor": "no authentication (AllowAny): the endpoint alone",
    "a": "(a) DRF TokenAuthentication",
    "b": "(b) django-rest-knox TokenAuthentication",
    "c": "(c) django-oauth-toolkit OAuth2Authentication",
    "d": "(d) ctfy_auth session token (pt_)",
    "e": "(e) ctfy_auth API token (pf_) + HasScopes",
    "f": "(f) as (e), with CREDENTIAL_CACHE in Redis",
}


def cache_available() -> bool:
    return "credentials" in settings.CACHES


def variants_for(creds: Credentials) -> list[Variant]:
    return [
        Variant(
            "floor", VARIANTS["floor"], views.AnonymousView.as_view(), "/bench/anonymous", None
        ),
        Variant("a", VARIANTS["a"], views.DRFTokenView.as_view(), "/bench/drf", creds.drf),
        Variant("b", VARIANTS["b"], views.KnoxTokenView.as_view(), "/bench/knox", creds.knox),
        Variant("c", VARIANTS["c"], views.OAuth2TokenView.as_view(), "/bench/oauth2", creds.oauth2),
        Variant(
            "d", VARIANTS["d"], views.SessionTokenView.as_view(), "/bench/session", creds.session
        ),
        Variant("e", VARIANTS["e"], views.ScopedTokenView.as_view(), "/bench/scoped", creds.scoped),
    ] + (
        [
            Variant(
                "f",
                VARIANTS["f"],
                views.ScopedTokenView.as_view(),
                "/bench/scoped",
                creds.scoped,
                {"CREDENTIAL_CACHE": "credentials"},
            )
        ]
        if cache_available()
        else []
    )


def _calls_per_request(variant: Variant, iterations: int) -> float:
    """Function calls per request, counted by cProfile: a measure of work that no noise moves."""
    environ = environ_for(variant.path, variant.authorization)
    profiler = cProfile.Profile()
    with variant.active():
        profiler.enable()
        for _ in range(iterations):
            serve(variant.view, environ)
        profiler.disable()
    return pstats.Stats(profiler).total_calls / iterations  # type: ignore[attr-defined]


def _profile(variant: Variant, iterations: int) -> str:
    environ = environ_for(variant.path, variant.authorization)
    profiler = cProfile.Profile()
    with variant.active():
        profiler.enable()
        for _ in range(iterations):
            serve(variant.view, environ)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"\n== cProfile of {variant.label}: {iterations} requests, by own time ==\n")
    stats.sort_stats("tottime").print_stats(25)
    out.write(f"\n== {variant.label}: by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(40)
    return out.getvalue()


def run(creds: Credentials, sizes: Sizes, db: str, profile: tuple[str, ...] = ()) -> PartResult:
    started = time.monotonic()
    variants = variants_for(creds)
    blocks = {}
    for v in variants:
        environ = environ_for(v.path, v.authorization)
        with v.active():
            for _ in range(max(50, sizes.auth_iterations // 10)):  # warm-up: caches, connections
                serve(v.view, environ)
        blocks[v.key] = _in(v, throughput(v.view, environ, sizes.auth_iterations))
    measured = interleaved(sizes.auth_rounds, blocks)
    results = {key: [b.rps for b in bs] for key, bs in measured.items()}
    # This process's CPU time per request: blind to time spent descheduled (other tenants),
    # so a second opinion on a busy machine. It leaves out the PostgreSQL server's work.
    cpu = {key: [b.cpu_us for b in bs] for key, bs in measured.items()}

    calls = {v.key: _calls_per_request(v, min(200, sizes.auth_iterations)) for v in variants}
    base = results["a"]
    floor_us = 1e6 / median(results["floor"])
    rows = []
    data: dict[str, dict[str, object]] = {}
    for v in variants:
        rps = results[v.key]
        med = median(rps)
        vs_a = median(ratios_by_round(rps, base))
        cpu_vs_a = median(ratios_by_round(cpu["a"], cpu[v.key]))
        us = 1e6 / med
        rows.append(
            [
                v.label,
                fmt(med),
                f"{fmt(min(rps))} to {fmt(max(rps))}",
                fmt(us, 1),
                "-" if v.key == "floor" else fmt(us - floor_us, 1),
                f"{vs_a:.2f}x",
                fmt(median(cpu[v.key]), 1),
                f"{cpu_vs_a:.2f}x",
                fmt(calls[v.key]),
            ]
        )
        data[v.key] = {
            "label": v.label,
            "rps_by_round": rps,
            "median_rps": med,
            "ratio_to_a": vs_a,
            "us_per_request": us,
            "auth_us_over_floor": us - floor_us,
            "cpu_us_by_round": cpu[v.key],
            "median_cpu_us": median(cpu[v.key]),
            "cpu_ratio_to_a": cpu_vs_a,
            "function_calls_per_request": calls[v.key],
        }
    if "f" not in results:
        rows.append([VARIANTS["f"], "not measured (no Redis)", "-", "-", "-", "-", "-", "-", "-"])

    def ratio(num: str, den: str) -> float:
        return median(ratios_by_round(results[num], results[den]))

    e_a, e_b, e_c = ratio("e", "a"), ratio("e", "b"), ratio("e", "c")
    targets = [
        Target("(e) vs (a) DRF", "≥ 0.90x", f"{e_a:.2f}x", e_a >= 0.9),
        Target("(e) vs (b) knox", "≥ 1.30x", f"{e_b:.2f}x", e_b >= 1.3),
        Target("(e) vs (c) DOT", "≥ 1.60x", f"{e_c:.2f}x", e_c >= 1.6),
    ]
    if "f" in results:
        f_a = ratio("f", "a")
        targets.append(Target("(f) vs (a) DRF", "≥ 2.00x", f"{f_a:.2f}x", f_a >= 2.0))
    data["ratios"] = {"e/a": e_a, "e/b": e_b, "e/c": e_c, "d/a": ratio("d", "a")}
    if "f" in results:
        data["ratios"]["f/a"] = ratio("f", "a")
    data["cpu_ratios"] = {
        f"e/{k}": median(ratios_by_round(cpu[k], cpu["e"])) for k in ("a", "b", "c")
    }
    notes = [
        f"{sizes.auth_rounds} interleaved rounds x {sizes.auth_iterations} requests per variant; "
        "ratios are the median of per-round ratios.",
        "Each request: a fresh WSGIRequest through the view (DRF dispatch, authentication, "
        "permission, JSON rendering), no middleware; a persistent database connection.",
        "'auth µs' is the request's time minus the unauthenticated endpoint's: what the scheme "
        "itself costs. 'calls/request' counts Python function calls per request (cProfile "
        "over up to 200 requests): the work done, which machine noise does not move.",
        "'CPU µs/request' is this process's CPU time (time.process_time), which does not run "
        "while other tenants hold the cores; on PostgreSQL it leaves out the server's share. "
        "Targets are judged on wall-clock req/s.",
        "(f): the same endpoint and token as (e) with CTFY_AUTH['CREDENTIAL_CACHE'] on a Redis "
        "cache (one GET on loopback instead of the SELECT); a revocation still takes effect on "
        "the next request in every process (tests/test_credential_cache.py, two servers).",
    ]
    if "f" in results and db == "sqlite":
        notes.append(
            "(f) on SQLite: a GET on Redis over loopback costs more than SQLite's query, which "
            "never leaves the process, so (f) is slower than (e) here; system check "
            "ctfy_auth.W003 warns of that configuration. The cache is for a database server."
        )
    part = PartResult(
        name="auth",
        title="1. Authentication overhead (in process)",
        db=db,
        tables=[
            Table(
                [
                    "variant",
                    "median req/s",
                    "range over rounds",
                    "µs/request",
                    "auth µs",
                    "ratio to (a)",
                    "CPU µs/request",
                    "ratio to (a), CPU",
                    "calls/request",
                ],
                rows,
            )
        ],
        targets=targets,
        notes=notes,
        data=data,
    )
    if profile:
        by_key = {v.key: v for v in variants}
        reports = [_profile(by_key[k], sizes.auth_iterations) for k in profile if k in by_key]
        part.data["profiles"] = reports
    part.seconds = time.monotonic() - started
    return part
