#!/bin/sh
# Dashboard and stream server time over 1M stored mentions (issues 5 and 9).
#
# Builds the benchmark database once with the store's BenchmarkOverview1M
# (825,000 posts, 1,005,176 mentions over 60 days, 8 monitors; a few
# minutes), then serves it with vigie, signs in and times 40 requests of
# each page with curl on loopback (after one unmeasured request), printing
# p50 and p95.
#
# With OLD, an older vigie binary, each round serves OLD_DIR (default: a
# copy of DIR made once, so that the old binary never reads a database the
# new one migrated) with OLD, then DIR with this tree's binary: both
# measured in the same hour.
#
#   scripts/bench-dashboard.sh [DIR [OLD [ROUNDS]]]   # DIR default /tmp/vigie-bench
set -eu
cd "$(dirname "$0")/.."
dir=${1:-/tmp/vigie-bench}
old=${2:-}
rounds=${3:-1}
mkdir -p "$dir"
if [ ! -f "$dir/vigie.db" ]; then
    VIGIE_BENCH_DB="$dir/vigie.db" go test ./internal/store -run '^$' -bench Overview1M -benchtime 1x
fi
# The generator says which posts are whose mentions, not the monitors'
# queries: a pending backfill would re-match them while the server is
# measured (archives built before the benchmark cleared them).
sqlite3 "$dir/vigie.db" "DELETE FROM monitor_backfills" 2>/dev/null || true
olddir=${OLD_DIR:-$dir-old}
if [ -n "$old" ] && [ ! -f "$olddir/vigie.db" ]; then
    mkdir -p "$olddir"
    sqlite3 "$dir/vigie.db" ".backup '$olddir/vigie.db'" # the write-ahead log's pages too
fi
go build -o "$dir/vigie" ./cmd/vigie
addr=127.0.0.1:18777
base=http://$addr
pid=
trap 'test -n "$pid" && kill $pid 2>/dev/null' EXIT
measure() { # binary data-dir label
    printf 'bench password 1\n' | "$1" user create --email bench@vigie.example --role admin --data "$2" --password-stdin >/dev/null 2>&1 || true
    "$1" serve --data "$2" --addr $addr >"$2/serve-$3.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do grep -q "running at" "$2/serve-$3.log" && break; sleep 0.5; done
    jar="$2/cookies"
    rm -f "$jar"
    csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -s -c "$jar" -b "$jar" -o /dev/null -X POST "$base/login" --data-urlencode "csrf=$csrf" \
        --data-urlencode "email=bench@vigie.example" --data-urlencode "password=bench password 1"
    ws=$(sqlite3 "$2/vigie.db" "SELECT slug FROM workspaces ORDER BY id LIMIT 1" 2>/dev/null || echo bench)
    echo "== $3 ($1), $(sqlite3 "$2/vigie.db" "SELECT COUNT(*) FROM mentions") mentions, $(uptime)"
    # The database's mentions end on 2026-11-20.
    for page in "dashboard 1 day|/w/$ws/?period=custom&from=2026-11-19&to=2026-11-19" \
                "dashboard 7 days|/w/$ws/?period=custom&from=2026-11-13&to=2026-11-19" \
                "dashboard 30 days|/w/$ws/?period=custom&from=2026-10-21&to=2026-11-19" \
                "dashboard 60 days|/w/$ws/?period=custom&from=2026-09-21&to=2026-11-20" \
                "stream, all|/w/$ws/mentions" \
                "stream, negative|/w/$ws/mentions?sentiment=negative" \
                "stream, one network|/w/$ws/mentions?source=rss" \
                "stream, source and language|/w/$ws/mentions?source=rss&lang=en"; do
        name=${page%%|*}
        path=${page#*|}
        curl -s -b "$jar" -o /dev/null "$base$path"
        for _ in $(seq 1 40); do curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$base$path"; done |
            sort -n | awk -v n="$name" '{a[NR]=$1} END {printf "%-28s p50 %4.0f ms  p95 %4.0f ms  max %4.0f ms\n", n, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[NR]*1000}'
    done
    kill $pid
    wait $pid 2>/dev/null || true
    pid=
}
for round in $(seq 1 "$rounds"); do
    [ -z "$old" ] || measure "$old" "$olddir" old
    measure "$dir/vigie" "$dir" new
done
