#!/usr/bin/env bash
# Runs the local app processes (gateways and workers) in the background, with pid files and
# logs under .data/<stack>. Configuration comes from the environment (the Makefile exports it).
#
#   ops/local/stack.sh start|stop|status
# Environment: STACK (dev), GATEWAYS (1), WORKERS (2), PORT (8000), WORKER_PORT (9100), BIN_DIR.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
stack=${STACK:-dev}
dir="$root/.data/$stack"
run="$dir/run"
logs="$dir/logs"
bin=${BIN_DIR:-$root/.build/debug}
gateways=${GATEWAYS:-1}
workers=${WORKERS:-2}
port=${PORT:-8000}
worker_port=${WORKER_PORT:-9100}

mkdir -p "$run" "$logs"

# Sends SIGTERM (the processes drain), then SIGKILL to whatever is left after 15 s.
stop_one() {
    local pidfile=$1 pid
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" "${pidfile%.pid}.port"
}

stop() {
    for pidfile in "$run"/*.pid; do
        [ -e "$pidfile" ] && stop_one "$pidfile"
    done
    return 0
}

# start_one NAME BINARY PORT-VARIABLE PORT
start_one() {
    local name=$1 binary=$2 var=$3 value=$4
    env "$var=$value" nohup "$bin/$binary" >>"$logs/$name.log" 2>&1 </dev/null &
    echo $! >"$run/$name.pid"
    echo "$value" >"$run/$name.port"
}

ready() {
    local port=$1
    curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$port/health/ready"
}

wait_ready() {
    local name=$1 port=$2
    for _ in $(seq 150); do
        if ready "$port" 2>/dev/null; then return 0; fi
        if ! kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then
            echo "$name exited; last lines of $logs/$name.log:" >&2
            tail -n 5 "$logs/$name.log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "$name did not become ready on port $port; see $logs/$name.log" >&2
    return 1
}

start() {
    stop
    for i in $(seq 0 $((gateways - 1))); do
        start_one "gateway-$i" gateway PORT $((port + i))
    done
    for i in $(seq 0 $((workers - 1))); do
        start_one "worker-$i" worker WORKER_PORT $((worker_port + i))
    done
    for pidfile in "$run"/*.pid; do
        name=$(basename "$pidfile" .pid)
        wait_ready "$name" "$(cat "$run/$name.port")"
    done
    status
}

status() {
    printf '%-12s %-8s %-6s %s\n' PROCESS PID PORT READY
    for pidfile in "$run"/*.pid; do
        [ -e "$pidfile" ] || continue
        name=$(basename "$pidfile" .pid)
        pid=$(cat "$pidfile")
        p=$(cat "$run/$name.port" 2>/dev/null || echo "?")
        if ! kill -0 "$pid" 2>/dev/null; then state="exited"
        elif ready "$p" 2>/dev/null; then state="ready"
        else state="not ready"; fi
        printf '%-12s %-8s %-6s %s\n' "$name" "$pid" "$p" "$state"
    done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: stack.sh start|stop|status" >&2; exit 2 ;;
esac
