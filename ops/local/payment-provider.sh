#!/usr/bin/env bash
# The dev stack's payment provider: localstripe (`Tests/Peers/localstripe_server.py`, from the
# pinned venv of ops/local/peers.sh) on 127.0.0.1, its state kept under DIR across restarts, with
# its webhook pointed at the gateway's endpoint (WEBHOOK_URL, signed with SECRET). `make dev` points
# the stack's STRIPE_API_BASE at it unless STRIPE_API_BASE or PAYMENTS is set.
#   ops/local/payment-provider.sh start DIR PORT WEBHOOK_URL SECRET | stop DIR | status DIR
# PROVIDER_IN_MEMORY=1 keeps its state in memory only (the benchmark: saving it costs more than the
# platform's work once it grows).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
action=${1:?usage: payment-provider.sh start DIR PORT WEBHOOK_URL SECRET | stop DIR | status DIR}
dir=${2:?directory}
pidfile="$dir/provider.pid"

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$action" in
start)
    port=${3:?port}
    webhook=${4:?webhook url}
    secret=${5:?webhook secret}
    if ! running; then
        python=$("$root/ops/local/peers.sh")
        mkdir -p "$dir"
        rm -f "$dir/port"
        setsid "$python" "$root/Tests/Peers/localstripe_server.py" "$dir" "$port" \
            $([ "${PROVIDER_IN_MEMORY:-0}" = 1 ] && echo --in-memory) >>"$dir/provider.log" 2>&1 </dev/null &
        echo $! >"$pidfile"
        for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
        if [ ! -s "$dir/port" ]; then
            echo "payment provider did not start on 127.0.0.1:$port; see $dir/provider.log" >&2
            exit 1
        fi
    fi
    # Registered on every start: localstripe keeps it in its state, and this makes it current.
    curl -fsS --max-time 10 -o /dev/null -X POST "http://127.0.0.1:$port/_config/webhooks/platform" \
        --data-urlencode "url=$webhook" --data-urlencode "secret=$secret"
    echo "payment provider: localstripe on http://127.0.0.1:$port, webhooks to $webhook"
    ;;
stop)
    if running; then kill -KILL "$(cat "$pidfile")" 2>/dev/null || true; fi
    rm -f "$pidfile"
    ;;
status)
    if running; then echo "payment provider: running (pid $(cat "$pidfile"))"; else echo "payment provider: stopped"; fi
    ;;
*) echo "usage: payment-provider.sh start DIR PORT WEBHOOK_URL SECRET | stop DIR | status DIR" >&2; exit 2 ;;
esac
