#!/usr/bin/env bash
# Runs every test suite. Installs the test tools this machine lacks (scripts/install-test-tools.sh), builds
# once, starts the throwaway servers the suites need (PostgreSQL and Redis on loopback, nx-27017 standing in for
# MongoDB, the CQL peer standing in for Cassandra, checked first against the DataStax Python driver), runs `swift test`,
# runs the HTTP suites again against PostgreSQL, with the cache in Redis, with both, with telemetry in Cassandra (the
# peer), with events in MongoDB (nx-27017), and on the seed's PostgreSQL + Cassandra + Redis + MongoDB, checks the live
# streams of two server instances with the Python websockets client, checks the OpenAPI document and the deployment files, fuzzes a live server
# with schemathesis and the own JSON and ISO 8601 code with libFuzzer, and stops the servers on any exit, failure included.
# Each stage prints its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_dir=$(mktemp -d /tmp/iotflow-test-pg.XXXXXX)
pg_port=${IOTFLOW_TEST_PG_PORT:-55433}
redis_dir=$(mktemp -d /tmp/iotflow-test-redis.XXXXXX)
redis_port=${IOTFLOW_TEST_REDIS_PORT:-56379}
cql_dir=$(mktemp -d /tmp/iotflow-test-cql.XXXXXX)
cql_port=${IOTFLOW_TEST_CQL_PORT:-59042}
mongo_dir=$(mktemp -d /tmp/iotflow-test-mongo.XXXXXX)
mongo_port=${IOTFLOW_TEST_MONGO_PORT:-57017}

cleanup() {
    local status=$?
    bash "$root/scripts/pg-cluster.sh" stop "$pg_dir" || true
    bash "$root/scripts/redis-server.sh" stop "$redis_dir" || true
    bash "$root/scripts/cql-peer.sh" stop "$cql_dir" || true
    bash "$root/scripts/mongo-server.sh" stop "$mongo_dir" || true
    rm -rf "$pg_dir" "$redis_dir" "$cql_dir" "$mongo_dir"
    exit "$status"
}
trap cleanup EXIT INT TERM

# Runs a stage and prints how long it took.
stage() {
    local name=$1
    shift
    echo "== $name"
    local start=$SECONDS
    "$@"
    echo "== $name: $((SECONDS - start)) s"
}

# A crashing test process prints the backtrace of the crashed thread only: with every thread (a test run has hundreds)
# the one that matters scrolled out of the part of the log CI keeps.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-threads=crashed,images=none}

tools=$(bash scripts/install-test-tools.sh | tail -n 1)
# MongoNIOTests check the BSON codec against pymongo's (Tests/Support/mongo/bson_oracle.py) with this interpreter.
export IOTFLOW_TEST_PYTHON="$tools/python"

# No Docker daemon runs here: docker-compose validates the compose files and a lint of our own checks the Dockerfile.
stage "deployment files (docker-compose config, Dockerfile lint)" "$tools/python" scripts/check-deploy.py

stage "building (debug, with tests)" swift build --build-tests

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

# The CQL peer (Tests/Support/cql) stands in for Cassandra; the DataStax Python driver checks it first (its
# auth/oracle part also uses port $cql_port + 1). Every frame a suite sends it is checked by the oracle codec.
export CQL_PEER_PYTHON="$tools/python"
echo "== starting the CQL peer on 127.0.0.1:$cql_port"
bash scripts/cql-peer.sh start "$cql_dir" "$cql_port"
stage "CQL peer against the DataStax Python driver" "$tools/python" Tests/Support/cql/driver_vs_peer.py "$cql_port" --dir "$cql_dir"
export IOTFLOW_TEST_CASSANDRA_HOST=127.0.0.1 IOTFLOW_TEST_CASSANDRA_PORT=$cql_port
export IOTFLOW_TEST_CQL_PEER_SCRIPT="$root/scripts/cql-peer.sh"

# nx-27017 (a MongoDB wire protocol server over SQLite) stands in for mongod in the MongoNIO suites; their fault tests
# start and kill servers of their own with the script, and check what the client wrote with pymongo
# (IOTFLOW_TEST_PYTHON, above).
echo "== starting nx-27017 (standing in for MongoDB) on 127.0.0.1:$mongo_port"
MONGO_SERVER_STORAGE=memory bash scripts/mongo-server.sh start "$mongo_dir" "$mongo_port"
export IOTFLOW_TEST_MONGODB_URI="mongodb://127.0.0.1:$mongo_port/mongonio_test"
export IOTFLOW_TEST_MONGO_SCRIPT="$root/scripts/mongo-server.sh"

# The binary tests start the real executable (durability under kill -9, clean shutdown, startup errors).
IOTFLOW_BINARY="$(swift build --show-bin-path)/iotflow"
export IOTFLOW_BINARY

# The export of 2 M points loads both cores for minutes; beside the parallel suites it starved their servers, so it
# runs alone, after them.
stage "all tests (HTTP suites on the embedded SQLite default)" \
    swift test --skip-build --disable-xctest --skip 'IoTFlowBinaryTests\.ExportTests' "$@"

stage "export of 2 M points (memory, disconnect), alone" \
    swift test --skip-build --disable-xctest --filter 'IoTFlowBinaryTests\.ExportTests' "$@"

# Serial: every test app opens its own database and pool, which in parallel would exhaust connections.
stage "HTTP suites with PostgreSQL as registry, telemetry and event store" \
    env IOTFLOW_TEST_BACKEND=postgres swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"

stage "HTTP suites with the cache in Redis (SQLite primary)" \
    env IOTFLOW_TEST_CACHE=redis swift test --skip-build --disable-xctest --filter IoTFlowServerTests "$@"

stage "HTTP suites with PostgreSQL and the cache in Redis" \
    env IOTFLOW_TEST_BACKEND=postgres IOTFLOW_TEST_CACHE=redis swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"

stage "HTTP suites with telemetry in Cassandra (the CQL peer; SQLite registry)" \
    env IOTFLOW_TEST_TELEMETRY=cassandra swift test --skip-build --disable-xctest --filter IoTFlowServerTests "$@"

stage "HTTP suites with events in MongoDB (nx-27017; SQLite registry)" \
    env IOTFLOW_TEST_EVENTS=mongo swift test --skip-build --disable-xctest --filter IoTFlowServerTests "$@"

stage "HTTP suites on the seed's four stores: PostgreSQL registry, Cassandra telemetry, Redis cache, MongoDB events" \
    env IOTFLOW_TEST_BACKEND=postgres IOTFLOW_TEST_TELEMETRY=cassandra IOTFLOW_TEST_CACHE=redis IOTFLOW_TEST_EVENTS=mongo \
    swift test --skip-build --disable-xctest --no-parallel --filter IoTFlowServerTests "$@"

stage "CQL peer: no frame from the suites failed the oracle" bash scripts/cql-peer.sh check "$cql_dir"

stage "live streams with the websockets client (two server instances on PostgreSQL + Redis)" \
    "$tools/python" scripts/live-streams.py --binary "$IOTFLOW_BINARY" --database-url "$IOTFLOW_TEST_DATABASE_URL" --redis-port "$redis_port"

stage "MQTT with mosquitto and paho clients (embedded default; two server instances on PostgreSQL + Redis)" \
    "$tools/python" scripts/mqtt-clients.py --binary "$IOTFLOW_BINARY" --database-url "$IOTFLOW_TEST_DATABASE_URL" --redis-port "$redis_port"

stage "OpenAPI document (3.1 validity, examples against schemas)" "$tools/python" scripts/check-openapi.py

stage "schemathesis against a live server (embedded default)" \
    env SCHEMATHESIS="$tools/st" SCHEMATHESIS_PYTHON="$tools/python" bash scripts/schemathesis.sh "${IOTFLOW_SCHEMATHESIS_EXAMPLES:-40}"

stage "libFuzzer on the own JSON and ISO 8601 code (${FUZZ_SECONDS:-60} s per harness)" bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
