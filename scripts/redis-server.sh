#!/usr/bin/env bash
# Starts or stops a throwaway Redis on 127.0.0.1 (no persistence, no systemd), for tests.
#   scripts/redis-server.sh start DIR PORT [PASSWORD]   start it in DIR listening on PORT, wait until it answers
#   scripts/redis-server.sh stop DIR                    stop it (SIGTERM, then SIGKILL)
set -euo pipefail
action=${1:?start|stop}
dir=${2:?folder}
server=$(command -v redis-server || true)
[ -n "$server" ] || { echo "redis-server.sh: redis-server not found (apt-get install redis-server)" >&2; exit 1; }

case "$action" in
start)
    port=${3:?port}
    mkdir -p "$dir"
    args=(--port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log")
    [ -n "${4:-}" ] && args+=(--requirepass "$4")
    "$server" "${args[@]}"
    for _ in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$port" ${4:+-a "$4" --no-auth-warning} ping 2>/dev/null | grep -q PONG; then exit 0; fi
        sleep 0.1
    done
    echo "redis-server.sh: Redis did not answer on port $port; log:" >&2
    cat "$dir/redis.log" >&2 || true
    exit 1
    ;;
stop)
    [ -f "$dir/redis.pid" ] || exit 0
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    ;;
*)
    echo "usage: $0 start DIR PORT [PASSWORD] | stop DIR" >&2
    exit 2
    ;;
esac
