#!/usr/bin/env bash
# Fuzzes a live server with schemathesis against the OpenAPI document it serves (every check, a bounded number
# of examples per operation), after seeding a user, devices and groups so paths resolve. Exits non-zero on any
# finding. The server is the built binary on the embedded default, on a free loopback port, in a throwaway
# data folder, and is stopped on any exit.
#
# usage: scripts/schemathesis.sh [max-examples]   (needs IOTFLOW_BINARY, and `st` on PATH or SCHEMATHESIS)
set -euo pipefail
cd "$(dirname "$0")/.."
max_examples=${1:-25}
binary=${IOTFLOW_BINARY:?set IOTFLOW_BINARY to the built iotflow executable}
st=${SCHEMATHESIS:-st}
python=${SCHEMATHESIS_PYTHON:-python3}
work=$(mktemp -d /tmp/iotflow-schemathesis.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_pid=""

cleanup() {
    local status=$?
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT INT TERM

IOTFLOW_DATA_DIR="$work/data" PORT=$port IOTFLOW_ADMIN_TOKEN=schemathesis-admin-token-0123456789 IOTFLOW_BCRYPT_COST=4 LOG_LEVEL=error \
    RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE=0 RATE_LIMIT_PER_MINUTE=0 \
    "$binary" serve > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
    sleep 0.2
done
"$python" scripts/schemathesis-seed.py "$binary" "http://127.0.0.1:$port" "$work/data" "$work/schemathesis.toml"

# The served document leaves out planned operations; /docs is HTML, not an API to fuzz. The live streams are WebSocket
# upgrades, not request and answer: an upgraded connection would go back to the HTTP client's pool and garble the next
# request. scripts/live-streams.py (a WebSocket client) and the Swift suites check them, refusals included.
"$st" --config-file "$work/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    --checks all --max-examples "$max_examples" --exclude-path /docs --exclude-path-regex '/stream$' --suppress-health-check filter_too_much \
    --no-color -w 1 --seed "${SCHEMATHESIS_SEED:-1}"
