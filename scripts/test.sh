#!/usr/bin/env bash
# Runs every test suite. Builds once, then runs `swift test` with what the suites need in the
# environment. Later backends (PostgreSQL, Redis, …) start their throwaway servers here, on loopback,
# and the trap stops them on any exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() {
    local status=$?
    # Throwaway servers started below are stopped here.
    exit "$status"
}
trap cleanup EXIT INT TERM

echo "== building (debug, with tests)"
swift build --build-tests

# The binary tests start the real executable (durability under kill -9, clean shutdown).
IOTFLOW_BINARY="$(swift build --show-bin-path)/iotflow"
export IOTFLOW_BINARY

echo "== running tests"
swift test --skip-build --disable-xctest "$@"
