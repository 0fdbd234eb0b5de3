#!/usr/bin/env bash
# The benchmarks on a fresh machine: `bash benchmarks/run.sh [python -m benchmarks options]`.
#
# Installs ctfy_auth with the `bench` extra (django-rest-knox, gunicorn, psycopg, redis) and the
# `services` extra (the throwaway servers' packages) into .venv-bench, the reference server ctfy
# 0.7.0 into its own .venv-ctfy-server (its dependencies are not ours), and Debian's wrk when it
# is missing and apt-get is at hand (as root); then runs `python -m benchmarks` with the options
# given. With no option: the full run, SQLite and PostgreSQL + Redis, ~7 minutes. PostgreSQL and
# Redis are the servers at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432, user
# postgres, trust auth) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/7) where they answer;
# where they don't, or with CTFY_THROWAWAY_SERVICES=1, throwaway ones (devservices/, PostgreSQL
# with fsync on like a real server), stopped and removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "python3 is $(python3 --version 2>&1); ctfy_auth needs 3.11+" >&2; exit 1; }
pip_quiet=(--quiet --disable-pip-version-check)

[ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
.venv-bench/bin/python -m pip install "${pip_quiet[@]}" -e ".[bench,services]"

quick=0 db="" postgres_given=0 redis_given=0 previous=""
for arg in "$@"; do
    case "$arg" in
    --quick) quick=1 ;;
    --db=*) db=${arg#--db=} ;;
    --postgres | --postgres=*) postgres_given=1 ;;
    --redis | --redis=*) redis_given=1 ;;
    esac
    [ "$previous" = --db ] && db=$arg
    previous=$arg
done
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

benchmarks=(.venv-bench/bin/python -m benchmarks --ctfy-admin .venv-ctfy-server/bin/ctfy-admin "$@")
# The same default as benchmarks/run.py: SQLite only with --quick, both otherwise.
if [ "${db:-$([ "$quick" = 1 ] && echo sqlite || echo both)}" = sqlite ]; then
    exec "${benchmarks[@]}"
fi
# Servers named on the command line are used as they are.
postgres=BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 redis=BENCH_REDIS_URL=redis://127.0.0.1:6379/7
[ "$postgres_given" = 0 ] || postgres=none
[ "$redis_given" = 0 ] || redis=none
exec env PYTHONPATH=. .venv-bench/bin/python -m devservices run --durable \
    --postgres "$postgres" --redis "$redis" -- "${benchmarks[@]}"
