#!/usr/bin/env bash
# Runs every test suite. Builds once, starts the throwaway servers the suites need (PostgreSQL on
# loopback), runs `swift test`, then runs the HTTP suites a second time against PostgreSQL, and stops
# the servers on any exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_dir=$(mktemp -d /tmp/iotflow-test-pg.XXXXXX)
pg_port=${IOTFLOW_TEST_PG_PORT:-55433}

cleanup() {
    local status=$?
    bash "$root/scripts/pg-cluster.sh" stop "$pg_dir" || true
    rm -rf "$pg_dir"
    exit "$status"
}
trap cleanup EXIT INT TERM

echo "== building (debug, with tests)"
swift build --build-tests

echo "== starting PostgreSQL on 127.0.0.1:$pg_port"
bash scripts/pg-cluster.sh start "$pg_dir" "$pg_port"
export IOTFLOW_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
# Fault tests start and stop clusters of their own with this script.
export IOTFLOW_TEST_PG_CLUSTER_SCRIPT="$root/scripts/pg-cluster.sh"

# The binary tests start the real executable (durability under kill -9, clean shutdown, startup errors).
IOTFLOW_BINARY="$(swift build --show-bin-path)/iotflow"
export IOTFLOW_BINARY

echo "== running all tests (HTTP suites on the embedded SQLite default)"
swift test --skip-build --disable-xctest "$@"

echo "== running the HTTP suites again with PostgreSQL as registry, telemetry and event store"
# Serial: every test app opens its own database and pool, which in parallel would exhaust connections.
IOTFLOW_TEST_BACKEND=postgres swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"
