"""What a benchmark part returns, and how results are printed (Markdown tables) and saved (JSON)."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "PartResult",
    "Table",
    "Target",
    "fmt",
    "loadavg",
    "machine_info",
    "render_part",
    "render_summary",
    "write_json",
]

Status = Literal["ok", "error", "skipped"]


@dataclass
class Target:
    """A goal from the issue. ``met`` is ``None`` when it could not be judged (no measurement)."""

    name: str
    goal: str
    measured: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "n/a"}[self.met]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass
class PartResult:
    """One benchmark's outcome: tables for people, ``data`` for machines, targets for both."""

    name: str
    title: str
    status: Status = "ok"
    db: str = ""
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PartResult:
        raw = dict(raw)
        raw["tables"] = [Table(**t) for t in raw.get("tables", [])]
        raw["targets"] = [Target(**t) for t in raw.get("targets", [])]
        return cls(**raw)

    @property
    def heading(self) -> str:
        return f"{self.title} [{self.db}]" if self.db else self.title


def fmt(value: float, digits: int = 0) -> str:
    """A number for a table: thousands separated, ``-`` for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _markdown(table: Table) -> str:
    lines = []
    if table.title:
        lines.append(f"*{table.title}*")
        lines.append("")
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in table.rows)
    return "\n".join(lines)


def render_part(part: PartResult) -> str:
    out = [f"### {part.heading}", ""]
    if part.status == "skipped":
        out.append(f"Skipped: {part.error}")
        return "\n".join(out)
    if part.status == "error":
        out.append("ERROR:")
        out.append("```")
        out.append(part.error.rstrip())
        out.append("```")
        return "\n".join(out)
    for table in part.tables:
        out.append(_markdown(table))
        out.append("")
    if part.targets:
        out.append(
            _markdown(
                Table(
                    ["target", "goal", "measured", "result"],
                    [[t.name, t.goal, t.measured, t.verdict] for t in part.targets],
                )
            )
        )
        out.append("")
    out.extend(f"- {note}" for note in part.notes)
    out.append(f"\n({part.seconds:.0f} s)")
    return "\n".join(out)


def render_summary(parts: list[PartResult]) -> str:
    rows = []
    for part in parts:
        if part.status != "ok":
            rows.append([part.heading, "-", "-", part.status.upper()])
        for t in part.targets:
            rows.append([part.heading, f"{t.name} {t.goal}", t.measured, t.verdict])
    return "### Targets\n\n" + _markdown(Table(["part", "target", "measured", "result"], rows))


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_info(postgres_version: str = "") -> dict[str, Any]:
    """CPU model, cores, RAM and the versions that matter, for the JSON and the README."""
    cpuinfo = _read("/proc/cpuinfo")
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = _read("/proc/meminfo")
    mem_kb = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0
    )
    import django
    import rest_framework

    versions: dict[str, str] = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
    }
    dists = ("django-rest-knox", "django-oauth-toolkit", "argon2-cffi", "psycopg", "gunicorn")
    for dist in (*dists, "redis", "hiredis"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            continue
    if postgres_version:
        versions["postgresql"] = postgres_version
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_average": loadavg(),
        "versions": versions,
        "git_commit": _git_commit(),
    }


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was (other tenants too)."""
    return " ".join(_read("/proc/loadavg").split()[:3])


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, fixed arguments
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except OSError:
        return ""
    return out.stdout.strip()


def write_json(
    directory: Path, parts: list[PartResult], *, args: dict[str, Any], machine: dict[str, Any]
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    mode = "quick" if args.get("quick") else "full"
    path = directory / f"{started:%Y%m%dT%H%M%SZ}-{mode}.json"
    payload = {
        "created_at": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "benchmarks", *sys.argv[1:]]),
        "args": args,
        "machine": machine,
        "parts": [p.to_dict() for p in parts],
        "targets": [
            {"part": p.heading, **asdict(t), "verdict": t.verdict} for p in parts for t in p.targets
        ],
    }
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return path
