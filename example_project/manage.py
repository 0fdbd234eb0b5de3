#!/usr/bin/env python
"""Django's command-line utility for the ctfy_auth example project.

With ``--postgres`` (or ``CTFY_EXAMPLE_POSTGRES=1``) and ``DATABASE_URL`` unset, the command runs
on a throwaway PostgreSQL server (``devservices/``; ``pip install -e '.[services]'``), migrated
first and removed when the command ends::

    DJANGO_DEBUG=1 python example_project/manage.py runserver --postgres
"""

import os
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]  # the example project, and ctfy_auth beside it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = [arg for arg in sys.argv if arg != "--postgres"]
    asked = len(argv) < len(sys.argv) or os.environ.pop("CTFY_EXAMPLE_POSTGRES", "") == "1"
    if asked and os.environ.get("DATABASE_URL"):
        print("--postgres: DATABASE_URL is set, so that database is used", file=sys.stderr)
    elif asked:
        sys.exit(_on_throwaway_postgres(argv))
    execute_from_command_line(argv)


def _on_throwaway_postgres(argv: list[str]) -> int | str:
    import devservices

    wanted = devservices.Wanted("DATABASE_URL", "postgres://postgres@127.0.0.1/ctfy_example")
    try:
        with devservices.running(postgres=wanted, redis=None, force=True) as env:
            # runserver's autoreloader runs this file again in a child process, with these
            # arguments and this environment: it uses this server, and starts none of its own.
            os.environ.update(env)
            sys.argv = argv
            import django
            from django.core.management import call_command, execute_from_command_line
            from django.db import connections

            django.setup()
            call_command("migrate", interactive=False, verbosity=0)
            connections.close_all()
            execute_from_command_line(argv)
    except devservices.ServiceUnavailable as exc:
        return f"--postgres: cannot start a throwaway PostgreSQL: {exc}"
    return 0


if __name__ == "__main__":
    main()
