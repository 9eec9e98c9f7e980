#!/usr/bin/env bash
# Runs every test suite. Builds once, starts the throwaway servers the suites need (PostgreSQL and
# Redis on loopback), runs `swift test`, then runs the HTTP suites again against PostgreSQL, with the
# cache in Redis, and with both, and stops the servers on any exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_dir=$(mktemp -d /tmp/iotflow-test-pg.XXXXXX)
pg_port=${IOTFLOW_TEST_PG_PORT:-55433}
redis_dir=$(mktemp -d /tmp/iotflow-test-redis.XXXXXX)
redis_port=${IOTFLOW_TEST_REDIS_PORT:-56379}

cleanup() {
    local status=$?
    bash "$root/scripts/pg-cluster.sh" stop "$pg_dir" || true
    bash "$root/scripts/redis-server.sh" stop "$redis_dir" || true
    rm -rf "$pg_dir" "$redis_dir"
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

echo "== starting Redis on 127.0.0.1:$redis_port"
bash scripts/redis-server.sh start "$redis_dir" "$redis_port"
export IOTFLOW_TEST_REDIS_HOST=127.0.0.1 IOTFLOW_TEST_REDIS_PORT=$redis_port
# Fault and reconnect tests start and kill Redis servers of their own.
IOTFLOW_TEST_REDIS_SERVER=$(command -v redis-server)
export IOTFLOW_TEST_REDIS_SERVER
export IOTFLOW_TEST_REDIS_SCRIPT="$root/scripts/redis-server.sh"

# The binary tests start the real executable (durability under kill -9, clean shutdown, startup errors).
IOTFLOW_BINARY="$(swift build --show-bin-path)/iotflow"
export IOTFLOW_BINARY

echo "== running all tests (HTTP suites on the embedded SQLite default)"
swift test --skip-build --disable-xctest "$@"

echo "== running the HTTP suites again with PostgreSQL as registry, telemetry and event store"
# Serial: every test app opens its own database and pool, which in parallel would exhaust connections.
IOTFLOW_TEST_BACKEND=postgres swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"

echo "== running the HTTP suites again with the cache in Redis (SQLite primary)"
IOTFLOW_TEST_CACHE=redis swift test --skip-build --disable-xctest --filter IoTFlowServerTests "$@"

echo "== running the HTTP suites again with PostgreSQL and the cache in Redis"
IOTFLOW_TEST_BACKEND=postgres IOTFLOW_TEST_CACHE=redis swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"
