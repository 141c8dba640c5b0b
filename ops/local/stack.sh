#!/usr/bin/env bash
# Runs the local app processes in the background: gateways behind an nginx load balancer, and
# workers. Pid files, ports and logs live under .data/<stack>; configuration comes from the
# environment (the Makefile exports it).
#
#   ops/local/stack.sh start|stop|status|scale|restart-gateways
#
# Environment: STACK (dev), GATEWAYS (start: 1; scale: as now), WORKERS (start: 2; scale: as now), PORT (8000: nginx), GATEWAY_PORT (PORT+1:
# the first gateway; the others follow), WORKER_PORT (9100: the first worker's monitoring port),
# GATEWAY_METRICS_PORT (WORKER_PORT+200: the first gateway's monitoring port, the others follow),
# BIN_DIR (.build/debug), NGINX (/usr/sbin/nginx).
#
# `scale` moves a running stack to GATEWAYS and WORKERS (new processes start and become ready
# before nginx routes to them; removed ones leave nginx before they drain on SIGTERM).
# `restart-gateways` restarts the gateways one at a time: each leaves nginx's upstream (a
# graceful reload), drains on SIGTERM, starts again and is ready before the next one goes, so
# clients see no failed request.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
stack=${STACK:-dev}
dir="$root/.data/$stack"
run="$dir/run"
logs="$dir/logs"
bin=${BIN_DIR:-$root/.build/debug}
gateways=${GATEWAYS:-}
workers=${WORKERS:-}
port=${PORT:-8000}
gateway_port=${GATEWAY_PORT:-$((port + 1))}
worker_port=${WORKER_PORT:-9100}
gateway_metrics_port=${GATEWAY_METRICS_PORT:-$((worker_port + 200))}
nginx_bin=${NGINX:-/usr/sbin/nginx}
nginx_dir="$dir/nginx"
nginx_conf="$nginx_dir/nginx.conf"

mkdir -p "$run" "$logs" "$nginx_dir"

# A crash prints a backtrace quickly and never waits for a debugger, so a supervisor (this
# script's, systemd, Kubernetes) can start the process again within seconds: full symbolication
# of a debug build took minutes, with the dead process's port held all along.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no,symbolicate=fast}

# Every gateway of a stack signs tokens with one key, made up on the stack's first start and
# kept in its git-ignored data folder (never a key from the source); SECRET_KEY in the
# environment wins.
if [ -z "${SECRET_KEY:-}" ]; then
    if [ ! -s "$dir/secret_key" ]; then
        (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$dir/secret_key.new" && mv "$dir/secret_key.new" "$dir/secret_key")
    fi
    SECRET_KEY=$(cat "$dir/secret_key")
    export SECRET_KEY
fi

log() { echo "stack[$stack]: $*"; }

# MARK: processes

# A process runs when its pid exists and is not a zombie (`kill -0` alone counts a zombie).
running() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

alive() { [ -e "$run/$1.pid" ] && running "$(cat "$run/$1.pid")"; }

# Stops the supervisor from restarting, sends SIGTERM (the process drains), then SIGKILL to
# whatever is left after 15 s.
stop_one() {
    local name=$1 pid supervisor
    touch "$run/$name.stopping"
    pid=$(cat "$run/$name.pid" 2>/dev/null || true)
    supervisor=$(cat "$run/$name.supervisor" 2>/dev/null || true)
    if running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 150); do running "$pid" || break; sleep 0.1; done
        running "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
    if running "$supervisor"; then
        for _ in $(seq 20); do running "$supervisor" || break; sleep 0.1; done
        kill -KILL "$supervisor" 2>/dev/null || true
    fi
    rm -f "$run/$name.pid" "$run/$name.port" "$run/$name.supervisor" "$run/$name.stopping"
}

# start_one NAME BINARY PORT-VARIABLE PORT: the process under ops/local/supervise.sh, which
# starts it again after a crash; returns once its pid is known.
start_one() {
    local name=$1 binary=$2 var=$3 value=$4
    rm -f "$run/$name.stopping" "$run/$name.restarts" "$run/$name.pid"
    echo "$value" >"$run/$name.port"
    env "$var=$value" setsid "$root/ops/local/supervise.sh" "$run" "$name" "$bin/$binary" >>"$logs/$name.log" 2>&1 </dev/null &
    echo $! >"$run/$name.supervisor"
    for _ in $(seq 100); do [ -s "$run/$name.pid" ] && return 0; sleep 0.02; done
    echo "$name did not start; see $logs/$name.log" >&2
    return 1
}

ready() { curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$1/health/ready"; }

wait_ready() {
    local name=$1 port
    port=$(cat "$run/$name.port")
    for _ in $(seq 150); do
        if ready "$port" 2>/dev/null; then return 0; fi
        if ! alive "$name"; then
            echo "$name exited; last lines of $logs/$name.log:" >&2
            tail -n 5 "$logs/$name.log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "$name did not become ready on port $port; see $logs/$name.log" >&2
    return 1
}

start_gateway() { METRICS_PORT=$((gateway_metrics_port + $1)) start_one "gateway-$1" gateway PORT $((gateway_port + $1)); }
# WORKER_<i>_JOB_KINDS, when set, is worker i's JOB_KINDS: some workers deliver, others move orders.
start_worker() {
    local kinds="WORKER_$1_JOB_KINDS"
    if [ -n "${!kinds:-}" ]; then
        JOB_KINDS=${!kinds} start_one "worker-$1" worker WORKER_PORT $((worker_port + $1))
    else
        start_one "worker-$1" worker WORKER_PORT $((worker_port + $1))
    fi
}

# The indices of the running processes of one kind, in order.
indices() {
    local kind=$1 file
    for file in "$run/$kind"-*.pid; do
        [ -e "$file" ] || continue
        file=${file##*/$kind-}
        echo "${file%.pid}"
    done | sort -n
}

# MARK: nginx

nginx_pid() { cat "$nginx_dir/nginx.pid" 2>/dev/null || true; }
nginx_running() { local pid; pid=$(nginx_pid); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# nginx's worker processes switch to `nobody` when it starts as root; this checkout may not be
# theirs to read, so locally they stay root (the production units run it as its own user).
nginx_globals() { if [ "$(id -u)" = 0 ]; then echo "user root;"; fi; }

# Writes the config from ops/nginx/nginx.conf.template with every running gateway but those
# whose indices are given (they get no new requests: they are about to stop).
render_nginx() {
    local upstreams="" i
    for i in $(indices gateway); do
        [[ " $* " == *" $i "* ]] && continue
        upstreams+="server 127.0.0.1:$((gateway_port + i)) max_fails=2 fail_timeout=5s; "
    done
    [ -n "$upstreams" ] || { echo "no gateway to balance" >&2; return 1; }
    sed -e "s|__UPSTREAMS__|$upstreams|" -e "s|__PORT__|$port|" -e "s|__PREFIX__|$nginx_dir|g" -e "s|__OPS__|$root/ops|g" \
        -e "s|__READ_TIMEOUT__|$((${REQUEST_TIMEOUT_SECONDS:-10} + 1))|g" \
        "$root/ops/nginx/nginx.conf.template" >"$nginx_conf"
    "$nginx_bin" -t -q -p "$nginx_dir" -c "$nginx_conf" -g "$(nginx_globals)"
}

# Applies the config: starts nginx, or reloads it and waits until the old worker processes
# have finished their requests (after that no connection reaches a removed gateway).
apply_nginx() {
    if ! nginx_running; then
        "$nginx_bin" -p "$nginx_dir" -c "$nginx_conf" -g "$(nginx_globals)"
        for _ in $(seq 50); do ready "$port" 2>/dev/null && return 0; sleep 0.1; done
        echo "nginx did not answer on port $port; see $nginx_dir/error.log" >&2
        return 1
    fi
    local master before
    master=$(nginx_pid)
    before=$(pgrep -P "$master" -d ' ' || true)
    kill -HUP "$master"
    for _ in $(seq 300); do
        local old=0 pid
        for pid in $before; do kill -0 "$pid" 2>/dev/null && old=1; done
        [ "$old" = 0 ] && return 0
        sleep 0.05
    done
    echo "nginx's old workers did not finish within 15 s" >&2
}

# Graceful first (QUIT lets requests in flight finish); a stream held open (an event stream)
# would keep it alive for ever, so TERM, then KILL, follow.
stop_nginx() {
    local pid signal
    pid=$(nginx_pid)
    for signal in QUIT TERM KILL; do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
        # Workers outlive a killed master: they go first.
        [ "$signal" = KILL ] && pkill -KILL -P "$pid" 2>/dev/null
        kill -"$signal" "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    rm -f "$nginx_dir/nginx.pid"
}

# MARK: commands

stop() {
    stop_nginx
    local file
    for file in "$run"/*.pid "$run"/*.supervisor; do
        [ -e "$file" ] || continue
        name=$(basename "$file"); name=${name%.pid}; name=${name%.supervisor}
        stop_one "$name"
    done
    return 0
}

start() {
    stop
    local i
    gateways=${gateways:-1}
    workers=${workers:-2}
    for i in $(seq 0 $((gateways - 1))); do start_gateway "$i"; done
    for i in $(seq 0 $((workers - 1))); do start_worker "$i"; done
    for file in "$run"/*.pid; do wait_ready "$(basename "$file" .pid)"; done
    render_nginx
    apply_nginx
    status
}

scale() {
    local i added=0 extra=()
    nginx_running || { echo "the $stack stack is not running (make dev first)" >&2; return 1; }
    gateways=${gateways:-$(indices gateway | wc -l)}
    workers=${workers:-$(indices worker | wc -l)}
    [ "$gateways" -ge 1 ] || { echo "GATEWAYS must be at least 1" >&2; return 1; }
    for i in $(seq 0 $((gateways - 1))); do
        alive "gateway-$i" && continue
        start_gateway "$i"
        wait_ready "gateway-$i"
        added=1
    done
    for i in $(seq 0 $((workers - 1))); do
        alive "worker-$i" && continue
        start_worker "$i"
        wait_ready "worker-$i"
    done
    for i in $(indices gateway); do [ "$i" -ge "$gateways" ] && extra+=("$i"); done
    if [ "${#extra[@]}" -gt 0 ] || [ "$added" = 1 ]; then
        # Out of the upstream first, then drained: no request is sent to a stopping gateway.
        render_nginx "${extra[@]}"
        apply_nginx
        for i in "${extra[@]}"; do stop_one "gateway-$i"; done
    fi
    for i in $(indices worker); do [ "$i" -ge "$workers" ] && stop_one "worker-$i"; done
    status
}

# One gateway more for the time of the restart (so one gateway alone also restarts without a
# gap), then each in turn: out of the upstream, drained, started again, ready, back in.
restart_gateways() {
    nginx_running || { echo "the $stack stack is not running (make dev first)" >&2; return 1; }
    local i list surge
    list=$(indices gateway)
    surge=$(( $(echo "$list" | tail -n 1) + 1 ))
    start_gateway "$surge"
    wait_ready "gateway-$surge"
    for i in $list; do
        log "restarting gateway-$i"
        render_nginx "$i"
        apply_nginx
        stop_one "gateway-$i"
        start_gateway "$i"
        wait_ready "gateway-$i"
    done
    render_nginx "$surge"
    apply_nginx
    stop_one "gateway-$surge"
    render_nginx
    status
}

status() {
    printf '%-12s %-8s %-6s %s\n' PROCESS PID PORT READY
    if nginx_running; then
        local state="not ready"
        ready "$port" 2>/dev/null && state="ready"
        printf '%-12s %-8s %-6s %s\n' nginx "$(nginx_pid)" "$port" "$state"
    fi
    local file name pid p state
    for file in "$run"/*.pid; do
        [ -e "$file" ] || continue
        name=$(basename "$file" .pid)
        pid=$(cat "$file")
        p=$(cat "$run/$name.port" 2>/dev/null || echo "?")
        if ! running "$pid"; then
            running "$(cat "$run/$name.supervisor" 2>/dev/null)" && state="restarting" || state="exited"
        elif ready "$p" 2>/dev/null; then state="ready"
        else state="not ready"; fi
        printf '%-12s %-8s %-6s %s\n' "$name" "$pid" "$p" "$state"
    done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
scale) scale ;;
restart-gateways) restart_gateways ;;
*) echo "usage: stack.sh start|stop|status|scale|restart-gateways" >&2; exit 2 ;;
esac
