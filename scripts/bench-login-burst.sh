#!/usr/bin/env bash
# Write latency with and without a burst of logins: measures what the bcrypt pool is for. Starts the given
# server binary on a free loopback port with a throwaway data folder, registers a user and a device, then
# runs wrk against POST /telemetry twice for the same time: alone, and while 50 clients log in without pause
# (bcrypt at its default cost). Prints wrk's latency percentiles of both runs and the p99 ratio.
#
# usage: scripts/bench-login-burst.sh [binary] [seconds]   (default .build/release/iotflow, 10 s; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/iotflow}
seconds=${2:-10}
work=$(mktemp -d /tmp/iotflow-login-burst.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

IOTFLOW_DATA_DIR="$work/data" PORT=$port LOG_LEVEL=error RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_AUTH_PER_MINUTE=0 \
    "$binary" serve > "$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/health" > /dev/null 2>&1 && break; sleep 0.1; done

key=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
def call(path, body, headers={}):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json", **headers})
    return json.load(urllib.request.urlopen(request))
token = call("/api/v1/auth/register", {"username": "bench", "email": "bench@example.com", "password": "password123"})["token"]
print(call("/api/v1/devices/register", {"name": "probe", "device_type": "sensor"}, {"Authorization": "Bearer " + token})["device"]["api_key"])
PY
)
cat > "$work/write.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"data":{"temperature":21.5,"humidity":40}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "$key"
LUA

run_wrk() { wrk -t2 -c8 -d"${seconds}s" --latency -s "$work/write.lua" "$base/api/v1/telemetry"; }

echo "== writes alone ($binary)"
alone=$(run_wrk)
echo "$alone" | grep -E "Latency Distribution|50%|75%|90%|99%|Requests/sec"

echo "== writes while 50 clients log in without pause"
python3 - "$base" "$seconds" > "$work/logins.txt" <<'PY' &
import json, sys, threading, time, urllib.request
base, seconds = sys.argv[1], float(sys.argv[2]) + 1
end = time.monotonic() + seconds
done = [0]
def client():
    body = json.dumps({"username": "bench", "password": "password123"}).encode()
    while time.monotonic() < end:
        request = urllib.request.Request(base + "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
        done[0] += 1
threads = [threading.Thread(target=client) for _ in range(50)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(done[0])
PY
burst_pid=$!
sleep 1
burst=$(run_wrk)
wait "$burst_pid"
echo "$burst" | grep -E "Latency Distribution|50%|75%|90%|99%|Requests/sec"
echo "logins completed: $(cat "$work/logins.txt")"

p99() { echo "$1" | awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }'; }
a=$(p99 "$alone")
b=$(p99 "$burst")
echo "write p99: alone ${a} ms, during logins ${b} ms, ratio $(python3 -c "print(round($b / $a, 2))")"
