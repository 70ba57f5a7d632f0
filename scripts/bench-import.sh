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
# (default 2) sets the SQLite repetitions. Each run imports, in turn, with
# OLD (an older vigie binary, when set), with this tree's binary, and with
# this tree's binary and the recent window off when WINDOW_OFF=1: figures
# of one run compare. docs/performance.md records runs.
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
sqlite_import() { # label binary [env assignment]
    rm -rf "$work/data"
    echo "-- SQLite, run $r, $1"
    env ${3:-} /usr/bin/time -f "peak RSS %M KB, CPU user %U s sys %S s" "$2" import --data "$work/data" \
        --monitors "$set1m/monitors.jsonl" --posts "$set1m/posts.jsonl" 2>&1 | grep -E '^(posts|recent|time|peak)'
}
for r in $(seq 1 "$runs"); do
    [ -z "${OLD:-}" ] || sqlite_import "old ($OLD)" "$OLD"
    sqlite_import "this tree" "$work/vigie"
    [ "${WINDOW_OFF:-0}" != 1 ] || sqlite_import "this tree, recent window off" "$work/vigie" VIGIE_RECENT_WINDOW=0
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
