#!/bin/sh
# Measures Vigie's percolator beside the Lucene peer (shared/bench/peer-lucene),
# on the same generated corpus and machine, interleaved, one core each.
#
#   scripts/bench-match.sh [WORKDIR]        (default: /tmp/vigie-bench)
#
# Needs python3, a JDK and Debian's liblucene8-java for the peer
# (apt-get install -y liblucene8-java); without them only Vigie is measured.
# REPS (default 2) sets the interleaved repetitions. Figures go to stdout and
# logs to WORKDIR; docs/performance.md records a run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${VIGIE_SHARED:-$root/../shared}
work=${1:-/tmp/vigie-bench}
reps=${REPS:-2}
gen="$shared/bench/benchgen/gen.py"
mkdir -p "$work"
[ -f "$gen" ] || { echo "no corpus generator at $gen (set VIGIE_SHARED)"; exit 2; }

set100k="$work/set100k"
set100km="$work/set100k_m100k"
[ -f "$set100k/posts.jsonl" ] || PYTHONDONTWRITEBYTECODE=1 python3 "$gen" --posts 100000 --monitors 10000 --seed 1 --out "$set100k"
[ -f "$set100km/posts.jsonl" ] || PYTHONDONTWRITEBYTECODE=1 python3 "$gen" --posts 100000 --monitors 100000 --seed 1 --out "$set100km"

# The control set: the 10k set's monitors unchanged plus the 100k set's
# monitors 10,001-100,000 with every word suffixed "zq", so that none of
# them can match: 100k monitors, the same posts and matches as the 10k set.
# What it costs beyond the 10k set is the price of the monitor count alone.
control="$work/control_m100k"
if [ ! -f "$control/monitors.jsonl" ]; then
    mkdir -p "$control"
    python3 - "$set100k/monitors.jsonl" "$set100km/monitors.jsonl" "$control/monitors.jsonl" <<'PY'
import json, re, sys
ten, hundred, out = sys.argv[1:4]
keep = re.compile(r'(?:lang|country|source):(?:\([^)]*\)|[^\s()]+)')  # filters keep their values
word = re.compile(r'\w+')
def mutate(s):
    def rep(m):
        w, i = m.group(0), m.start()
        if w in ("AND", "OR", "NOT", "NEAR") or s[m.end():m.end() + 1] == ":" or s[i - 1:i] in ("/", "~"):
            return w  # operators, field names, NEAR/n and ~n distances
        return w + "zq"
    return word.sub(rep, s)
with open(out, "w") as f:
    f.writelines(open(ten))
    for n, line in enumerate(open(hundred)):
        if n >= 10000:
            m = json.loads(line)
            q, parts, last = m["query"], [], 0
            for k in keep.finditer(q):
                parts += [mutate(q[last:k.start()]), k.group(0)]
                last = k.end()
            m["id"], m["query"] = "x-" + m["id"][2:], "".join(parts) + mutate(q[last:])
            f.write(json.dumps(m, ensure_ascii=False) + "\n")
PY
fi

(cd "$root" && go build -o "$work/vigie" ./cmd/vigie)
vigie="$work/vigie"

peer=""
if command -v java >/dev/null && ls /usr/share/java/lucene-core*.jar >/dev/null 2>&1; then
    # The peer's build.sh writes next to itself: build a copy.
    if [ ! -d "$work/peer-lucene/build/classes/peer" ]; then
        rm -rf "$work/peer-lucene"
        cp -r "$shared/bench/peer-lucene" "$work/peer-lucene"
        chmod -R u+w "$work/peer-lucene"
        "$work/peer-lucene/build.sh" >/dev/null
    fi
    peer="$work/peer-lucene/run.sh"
else
    echo "peer not measured: needs java and liblucene8-java"
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
echo "== 10k monitors, 100k posts, one core, interleaved =="
for r in $(seq 1 "$reps"); do
    echo "-- vigie, rep $r"
    GOMAXPROCS=1 "$vigie" bench match --monitors "$set100k/monitors.jsonl" --posts "$set100k/posts.jsonl" \
        | grep -E '^(index|language|end-to-end|candidates|stages|detection|engine)'
    if [ -n "$peer" ]; then
        echo "-- peer presearch, warm (--warmup 20000), 1 thread, rep $r"
        "$peer" --monitors "$set100k/monitors.jsonl" --posts "$set100k/posts.jsonl" --out "$work/peer.jsonl" \
            --mode presearch --threads 1 --warmup 20000 2> "$work/peer_$r.log"
        tail -n 2 "$work/peer_$r.log"
    fi
done

echo "== 100k monitors, one core =="
echo "-- control: the 10k set's monitors and 90k that cannot match, on the 10k set's posts"
GOMAXPROCS=1 "$vigie" bench match --monitors "$control/monitors.jsonl" --posts "$set100k/posts.jsonl" \
    | grep -E '^(index|language|end-to-end|candidates|stages|detection|engine|peak)'
echo "-- on the 10k set's posts (same posts as above)"
GOMAXPROCS=1 "$vigie" bench match --monitors "$set100km/monitors.jsonl" --posts "$set100k/posts.jsonl" \
    | grep -E '^(index|language|end-to-end|candidates|stages|detection|engine|peak)'
echo "-- on the 100k set's own posts"
GOMAXPROCS=1 "$vigie" bench match --monitors "$set100km/monitors.jsonl" --posts "$set100km/posts.jsonl" \
    | grep -E '^(index|language|end-to-end|candidates|stages|detection|engine|peak)'
if [ -n "$peer" ]; then
    echo "-- peer presearch, warm, 1 thread, 100k set"
    "$peer" --monitors "$set100km/monitors.jsonl" --posts "$set100km/posts.jsonl" --out "$work/peer_m100k.jsonl" \
        --mode presearch --threads 1 --warmup 20000 2> "$work/peer_m100k.log"
    tail -n 2 "$work/peer_m100k.log"
fi

echo "== all cores, vigie match end to end, 10k monitors =="
/usr/bin/time -f "elapsed=%es max_rss_kb=%M" "$vigie" match --monitors "$set100k/monitors.jsonl" --posts "$set100k/posts.jsonl" \
    --stats > "$work/vigie.jsonl" 2> "$work/vigie_match.log" || true
tail -n 3 "$work/vigie_match.log"

if [ -n "$peer" ]; then
    echo "== agreement with the peer on the 10k set (lucene_exact monitors) =="
    python3 - "$work/vigie.jsonl" "$work/peer.jsonl" "$set100k/monitors.jsonl" <<'PY'
import json, sys, collections
ours = set(open(sys.argv[1]).read().split("\n")) - {""}
peer = set(open(sys.argv[2]).read().split("\n")) - {""}
mons = {m["id"]: m for m in map(json.loads, open(sys.argv[3]))}
def kind(line):
    m = mons[json.loads(line)["monitor"]]
    if not m.get("lucene_exact", True):
        return "inexact translation"
    if "author:" in m["query"]:
        return "author:"
    return "other"
print(f"vigie {len(ours)} matches, peer {len(peer)}, both {len(ours & peer)}")
print("only vigie:", dict(collections.Counter(map(kind, ours - peer))))
print("only peer: ", dict(collections.Counter(map(kind, peer - ours))))
PY
fi
