#!/usr/bin/env bash
# Starts or stops nx-27017 (a server speaking the MongoDB wire protocol over SQLite, standing in for mongod, which
# these machines cannot run) on 127.0.0.1, for tests.
#   scripts/mongo-server.sh start DIR PORT   start it in the background with its data in DIR/data, wait until it
#                                            answers hello (60 s); DIR/pid, DIR/log
#   scripts/mongo-server.sh stop DIR         stop it (SIGTERM, then SIGKILL)
#   scripts/mongo-server.sh kill DIR         SIGKILL it (fault tests; restart with start on the same DIR and port)
# With MONGO_SERVER_STORAGE=memory the databases live in memory (lost when it stops) instead of DIR/data.
# nx-27017 and pymongo come from the test-tools virtual environment (scripts/install-test-tools.sh), installed when
# missing; IOTFLOW_TEST_VENV overrides where it is.
set -euo pipefail
action=${1:?start|stop|kill}
dir=${2:?data folder}
root="$(cd "$(dirname "$0")/.." && pwd)"

# Waits until the process is gone, at most 5 s.
wait_gone() {
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

case "$action" in
start)
    port=${3:?port}
    venv=${IOTFLOW_TEST_VENV:-$root/.build/test-tools/venv}
    if [ ! -x "$venv/bin/nx-27017" ] || ! "$venv/bin/python" -c 'import pymongo' 2>/dev/null; then
        bash "$root/scripts/install-test-tools.sh" >/dev/null
    fi
    mkdir -p "$dir/data"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "mongo-server.sh: a server is already running on $dir (pid $(cat "$dir/pid"))" >&2
        exit 1
    fi
    # A server already on the port would answer the readiness check in this one's place.
    if "$venv/bin/python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$port" 2>/dev/null; then
        echo "mongo-server.sh: port $port is already in use" >&2
        exit 1
    fi
    # Foreground mode, backgrounded here, so that the pid is the server's own and kill -9 hits it.
    # MONGO_SERVER_STORAGE=memory keeps the databases in memory: nx-27017 runs every command on one thread and syncs
    # each write to disk, which under the parallel HTTP suites queued commands past their 10 s timeouts.
    data="$dir/data"
    [ "${MONGO_SERVER_STORAGE:-disk}" = memory ] && data=memory
    nohup "$venv/bin/nx-27017" --host 127.0.0.1 --port "$port" --data-dir "$data" --log-file "$dir/log" \
        --pid-file "$dir/nx.pid" >>"$dir/out" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/pid"
    if ! "$venv/bin/python" - "$port" "$pid" <<'PY'; then
import os, sys, time
import pymongo
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    try:
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=500, connectTimeoutMS=500)
        client.admin.command("hello")
        client.close()
        os.kill(pid, 0)
        sys.exit(0)
    except pymongo.errors.PyMongoError:
        time.sleep(0.1)
sys.exit("no answer to hello within 60 s")
PY
        echo "mongo-server.sh: nx-27017 did not come up on port $port; log:" >&2
        tail -n 40 "$dir/out" "$dir/log" >&2 2>/dev/null || true
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
        exit 1
    fi
    ;;
stop | kill)
    [ -f "$dir/pid" ] || exit 0
    pid=$(cat "$dir/pid")
    if [ "$action" = kill ]; then
        kill -9 "$pid" 2>/dev/null || true
        wait_gone "$pid" || true
    else
        kill "$pid" 2>/dev/null || { rm -f "$dir/pid"; exit 0; }
        wait_gone "$pid" || { kill -9 "$pid" 2>/dev/null || true; wait_gone "$pid" || true; }
    fi
    rm -f "$dir/pid" "$dir/nx.pid"
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR | kill DIR" >&2
    exit 2
    ;;
esac
