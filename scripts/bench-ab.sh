#!/usr/bin/env bash
# Compares release builds on the same machine in one run: alternates `iotflow bench` of each binary for the given
# rounds (so drift of a noisy machine hits all alike) and prints, per scenario and binary, every round's
# requests/s and the medians of requests/s, p99 latency and the ratio to the no-op route.
#
# usage: scripts/bench-ab.sh ROUNDS NAME=BINARY [NAME=BINARY ...] [-- bench options]
#   e.g. scripts/bench-ab.sh 6 old=/tmp/old/.build/release/iotflow new=.build/release/iotflow -- --only noop,write-single
# Default bench options: --only noop,write-single --duration 6 --warmup 2. Needs python3.
set -euo pipefail
rounds=$1
shift
binaries=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    binaries+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift
options=("$@")
[ ${#options[@]} -eq 0 ] && options=(--only noop,write-single --duration 6 --warmup 2)
out=$(mktemp -d /tmp/iotflow-bench-ab.XXXXXX)
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
    for pair in "${binaries[@]}"; do
        name=${pair%%=*}
        binary=$(realpath "${pair#*=}")
        echo "round $round: $name" >&2
        (cd /tmp && "$binary" bench "${options[@]}" --json 2> /dev/null > "$out/$name.$round.json")
    done
done
python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
rows = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path).rsplit(".", 2)[0]
    for s in json.load(open(path))["scenarios"]:
        rows.setdefault((s["name"], name), []).append(s)
for (scenario, name), runs in sorted(rows.items()):
    rps = [round(r["requests_per_second"]) for r in runs]
    p99 = statistics.median(r["latency_ms"]["p99"] for r in runs)
    ratio = statistics.median(r.get("ratio_to_noop") or 1 for r in runs)
    errors = sum(r.get("errors", 0) for r in runs)
    print(f"{scenario:18} {name:10} req/s {rps} median {statistics.median(rps):.0f}  p99 median {p99:.2f} ms  vs noop median {ratio:.3f}  errors {errors}")
PY
