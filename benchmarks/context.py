"""What the runner hands to the benchmarks it runs itself (the real-server ones)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.config import Sizes
from benchmarks.databases import Postgres

__all__ = ["REPO_ROOT", "RunContext"]

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class RunContext:
    sizes: Sizes
    quick: bool
    workdir: Path  # throwaway files: SQLite databases, server logs, the ctfy server's data
    postgres: Postgres | None  # None: SQLite only
    redis_url: str | None
    #: Redis for variant (f), ctfy_auth's credential cache, in process; None: (f) not measured.
    credential_cache_url: str | None
    loadgen: str  # "wrk" or "python"
    ctfy_admin: Path

    @property
    def python(self) -> str:
        return sys.executable

    def say(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def worker(self, args: list[str], env: dict[str, str]) -> None:
        """Run ``python -m benchmarks.worker`` with ``args``; raise if it fails."""
        subprocess.run(  # noqa: S603 - this interpreter, our module
            [self.python, "-m", "benchmarks.worker", *args], env=env, cwd=REPO_ROOT, check=True
        )

    def fresh_sqlite(self, target: Path) -> None:
        """Make ``target`` a freshly migrated SQLite database: a copy of one migrated per run."""
        template = self.workdir / "template.sqlite3"
        if not template.exists():
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
                "BENCH_DATABASE_URL": f"sqlite:///{template}",
                "BENCH_EXTRA_DATABASES": "{}",
            }
            self.worker(["--migrate-only"], env)
        target.unlink(missing_ok=True)
        shutil.copyfile(template, target)
