#!/usr/bin/env bash
# The benchmarks on a fresh machine: `bash benchmarks/run.sh [python -m benchmarks options]`.
#
# Installs ctfy_auth with the `bench` extra (django-rest-knox, gunicorn, psycopg, redis) into
# .venv-bench, the reference server ctfy 0.7.0 into its own .venv-ctfy-server (its dependencies
# are not ours), and Debian's wrk when it is missing and apt-get is at hand (as root); then runs
# `python -m benchmarks` with the options given. With no option: the full run, SQLite and
# PostgreSQL (127.0.0.1:5432, user postgres, trust auth) + Redis (127.0.0.1:6379), ~7 minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "python3 is $(python3 --version 2>&1); ctfy_auth needs 3.11+" >&2; exit 1; }
pip_quiet=(--quiet --disable-pip-version-check)

[ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
.venv-bench/bin/python -m pip install "${pip_quiet[@]}" -e ".[bench]"

case " $* " in
*" --quick "*) quick=1 ;;
*) quick=0 ;;
esac
if [ "$quick" = 0 ]; then
    if [ ! -x .venv-ctfy-server/bin/ctfy-admin ]; then
        python3 -m venv .venv-ctfy-server
        .venv-ctfy-server/bin/python -m pip install "${pip_quiet[@]}" "ctfy[server]==0.7.0"
    fi
    if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 ||
            echo "could not install wrk; the Python load generator will be used" >&2
    fi
fi

exec .venv-bench/bin/python -m benchmarks --ctfy-admin .venv-ctfy-server/bin/ctfy-admin "$@"
