#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ with swiftc (only the source files they test, not the package) and
# runs each for a bounded time. Exits non-zero when any harness finds a crash, a hang or an out-of-memory;
# the input that caused it is written to .build/fuzz/artifacts/. Usage:
#   scripts/fuzz.sh            # 60 s per harness
#   scripts/fuzz.sh 600        # 10 minutes per harness
#   FUZZ_TARGETS=json scripts/fuzz.sh 30
# Replay one input: SWIFT_BACKTRACE=enable=no .build/fuzz/json <file>
# (without SWIFT_BACKTRACE=enable=no the Swift backtracer and ASan can wait on each other after a crash)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets="${FUZZ_TARGETS:-json time}"
started=$(date +%s)
out=.build/fuzz
mkdir -p "$out/artifacts"

json_sources=(Sources/IoTFlowCore/JSON/JSONParser.swift Sources/IoTFlowCore/JSON/JSONValue.swift Sources/IoTFlowCore/JSON/JSONWriter.swift)
time_sources=("${json_sources[@]}" Sources/IoTFlowCore/Time/ISO8601.swift Sources/IoTFlowCore/Time/TimeExpression.swift Sources/IoTFlowCore/Time/TimeSpec.swift)

build() {
    local target=$1 harness=$2
    shift 2
    echo "[fuzz] building $out/$target"
    swiftc -O -sanitize=fuzzer,address -parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny \
        -use-ld=lld -module-name IoTFlowFuzz "$@" "$harness" -o "$out/$target"
}

status=0
for target in $targets; do
    case "$target" in
    json) build json Fuzz/JSONFuzz.swift "${json_sources[@]}" || exit 2; max_len=4096 ;;
    time) build time Fuzz/TimeFuzz.swift "${time_sources[@]}" || exit 2; max_len=128 ;;
    *) echo "[fuzz] unknown target $target (json, time)" >&2; exit 2 ;;
    esac
    # New inputs go to the working corpus under .build; the checked-in seeds are only read.
    mkdir -p "$out/corpus/$target"
    echo "[fuzz] running $target for ${seconds} s"
    # The Swift runtime's backtracer would run inside ASan's signal handling; libFuzzer reports instead.
    SWIFT_BACKTRACE=enable=no "$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len \
        -dict="Fuzz/$target.dict" -artifact_prefix="$out/artifacts/$target-" -print_final_stats=1 \
        "$out/corpus/$target" "Fuzz/corpus/$target"
    result=$?
    if [ $result -ne 0 ]; then
        echo "[fuzz] $target FAILED (exit $result); see $out/artifacts/" >&2
        status=1
    else
        echo "[fuzz] $target: no finding in ${seconds} s"
    fi
done
echo "[fuzz] done in $(($(date +%s) - started)) s"
exit $status
