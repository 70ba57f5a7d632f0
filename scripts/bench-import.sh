#!/bin/sh
# `vigie import` end to end (issue 3's target: ≥ 20,000 posts/s on SQLite):
# 1,000,000 generated posts against 10,000 monitors, into a fresh SQLite
# database, and into PostgreSQL when VIGIE_BENCH_POSTGRES_URL names an
# empty database (it is dropped and recreated when it is "vigiebench" on
# the local server).
#
#   scripts/bench-import.sh [WORKDIR]       (default: /tmp/vigie-bench-import)
#
# Needs python3 for the corpus generator (../shared/bench/benchgen). RUNS
# (default 2) sets the SQLite repetitions. docs/performance.md records a run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${VIGIE_SHARED:-$root/../shared}
work=${1:-/tmp/vigie-bench-import}
runs=${RUNS:-2}
gen="$shared/bench/benchgen/gen.py"
[ -f "$gen" ] || { echo "no corpus generator at $gen (set VIGIE_SHARED)"; exit 2; }
mkdir -p "$work"
set1m="$work/set1m"
[ -f "$set1m/posts.jsonl" ] || PYTHONDONTWRITEBYTECODE=1 python3 "$gen" --posts 1000000 --monitors 10000 --seed 1 --out "$set1m"
(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
for r in $(seq 1 "$runs"); do
    rm -rf "$work/data"
    echo "-- SQLite, run $r"
    /usr/bin/time -f "peak RSS %M KB, CPU user %U s sys %S s" "$work/vigie" import --data "$work/data" \
        --monitors "$set1m/monitors.jsonl" --posts "$set1m/posts.jsonl" 2>&1 | grep -E '^(posts|time|peak)'
done
if [ -n "${VIGIE_BENCH_POSTGRES_URL:-}" ]; then
    case "$VIGIE_BENCH_POSTGRES_URL" in
    */vigiebench*)
        psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS vigiebench" -c "CREATE DATABASE vigiebench" ;;
    esac
    echo "-- PostgreSQL"
    /usr/bin/time -f "peak RSS %M KB, CPU user %U s sys %S s" "$work/vigie" import --database-url "$VIGIE_BENCH_POSTGRES_URL" \
        --monitors "$set1m/monitors.jsonl" --posts "$set1m/posts.jsonl" 2>&1 | grep -E '^(posts|time|peak)'
fi
