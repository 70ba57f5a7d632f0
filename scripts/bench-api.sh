#!/bin/sh
# The API under load over 1M stored mentions (issue 9): first pages of
# /api/v1/mentions with 50 concurrent clients, and /api/v1/overview over
# periods from 1 hour to 60 days with one client, timed by `vigie bench api`
# (a closed-loop load generator: p50, p95, max and requests/s).
#
# Uses the database scripts/bench-dashboard.sh builds (built here if missing).
# With OLD, an older vigie binary, each round serves the same database with
# OLD then with this tree's binary, so both are measured in the same hour.
#
#   scripts/bench-api.sh [DIR [OLD [ROUNDS]]]   # DIR default /tmp/vigie-bench
set -eu
cd "$(dirname "$0")/.."
dir=${1:-/tmp/vigie-bench}
old=${2:-}
rounds=${3:-1}
clients=${CLIENTS:-50}
requests=${REQUESTS:-200}
mkdir -p "$dir"
if [ ! -f "$dir/vigie.db" ]; then
    VIGIE_BENCH_DB="$dir/vigie.db" go test ./internal/store -run '^$' -bench Overview1M -benchtime 1x -timeout 60m
fi
# The generator says which posts are whose mentions, not the monitors'
# queries: a pending backfill would re-match them while the server is
# measured (archives built before the benchmark cleared them).
sqlite3 "$dir/vigie.db" "DELETE FROM monitor_backfills" 2>/dev/null || true
go build -o "$dir/vigie" ./cmd/vigie
addr=127.0.0.1:18778
token=$("$dir/vigie" token create --name bench-api --data "$dir" | tail -n 1)
pid=
trap 'test -n "$pid" && kill $pid 2>/dev/null' EXIT
serve() { # binary label
    "$1" serve --data "$dir" --addr $addr >"$dir/serve-$2.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do grep -q "running at" "$dir/serve-$2.log" && return; sleep 0.5; done
    echo "the server ($2) did not start: see $dir/serve-$2.log" >&2
    exit 1
}
for round in $(seq 1 "$rounds"); do
    for bin in $old "$dir/vigie"; do
        label=new
        [ "$bin" = "$dir/vigie" ] || label=old
        serve "$bin" $label
        echo "== round $round, $label ($bin)"
        "$dir/vigie" bench api --url "http://$addr" --token "$token" --preset mentions --clients "$clients" --requests "$requests"
        "$dir/vigie" bench api --url "http://$addr" --token "$token" --preset overview --clients 1 --requests 40
        kill $pid
        wait $pid 2>/dev/null || true
        pid=
    done
done
