#!/usr/bin/env bash
# Starts or stops the CQL v4 peer (Tests/Support/cql/cql_peer.py, a Cassandra test double) on 127.0.0.1, for tests.
#   scripts/cql-peer.sh start DIR PORT   start it in the background with its state in DIR (the commit log is
#                                        replayed), wait until it answers OPTIONS with SUPPORTED; DIR/pid, DIR/peer.log
#   scripts/cql-peer.sh stop DIR         stop it (SIGTERM, then SIGKILL)
#   scripts/cql-peer.sh kill DIR         SIGKILL it (crash tests; every acknowledged write is in DIR's commit log)
#   scripts/cql-peer.sh check DIR        exit 1 and print DIR/oracle-violations.log when the peer saw frames the
#                                        oracle codec rejects
# Credentials: with CQL_PEER_USERNAME and CQL_PEER_PASSWORD set at start, the peer requires PasswordAuthenticator.
# CQL_PEER_PYTHON: the Python with cassandra-driver to run it with (default python3).
set -euo pipefail
action=${1:?start|stop|kill|check}
dir=${2:?state folder}
peer="$(cd "$(dirname "$0")/.." && pwd)/Tests/Support/cql/cql_peer.py"
python=$(command -v "${CQL_PEER_PYTHON:-python3}" || true)
[ -n "$python" ] || { echo "cql-peer.sh: ${CQL_PEER_PYTHON:-python3} not found" >&2; exit 1; }

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
    "$python" -c 'import cassandra' 2>/dev/null || { echo "cql-peer.sh: the peer needs cassandra-driver (pip install cassandra-driver)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "cql-peer.sh: a peer is already running on $dir (pid $(cat "$dir/pid"))" >&2
        exit 1
    fi
    rm -f "$dir/listening"
    nohup "$python" "$peer" --dir "$dir" --port "$port" >>"$dir/peer.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/pid"
    if ! "$python" "$peer" --wait-ready "$port" --timeout 30 --pid "$pid" --dir "$dir"; then
        echo "cql-peer.sh: the peer did not come up on port $port; log:" >&2
        tail -n 40 "$dir/peer.log" >&2 || true
        kill -9 "$pid" 2>/dev/null || true
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
    rm -f "$dir/pid"
    ;;
check)
    if [ -s "$dir/oracle-violations.log" ]; then
        echo "cql-peer.sh: the CQL peer received frames the oracle rejects ($dir/oracle-violations.log):" >&2
        cat "$dir/oracle-violations.log" >&2
        exit 1
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR | kill DIR | check DIR" >&2
    exit 2
    ;;
esac
