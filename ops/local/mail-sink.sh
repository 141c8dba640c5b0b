#!/usr/bin/env bash
# The dev stack's mail sink: `Tests/Peers/smtp_sink.py` (aiosmtpd, from the pinned venv of
# ops/local/peers.sh) on 127.0.0.1, keeping every message as a Maildir under DIR (and a JSON line
# each in DIR/messages.jsonl). `make dev` points the workers' SMTP_URL at it unless SMTP_URL is set.
#   ops/local/mail-sink.sh start|stop|status DIR PORT
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
action=${1:?usage: mail-sink.sh start|stop|status DIR PORT}
dir=${2:?directory}
port=${3:?port}
pidfile="$dir/sink.pid"

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$action" in
start)
    if running; then exit 0; fi
    python=$("$root/ops/local/peers.sh")
    mkdir -p "$dir"
    rm -f "$dir/port"
    setsid "$python" "$root/Tests/Peers/smtp_sink.py" "$dir" "$port" >>"$dir/sink.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
    if [ ! -s "$dir/port" ]; then
        echo "mail sink did not start on 127.0.0.1:$port; see $dir/sink.log" >&2
        exit 1
    fi
    echo "mail sink: smtp://127.0.0.1:$port, messages in $dir/Maildir"
    ;;
stop)
    if running; then kill -KILL "$(cat "$pidfile")" 2>/dev/null || true; fi
    rm -f "$pidfile"
    ;;
status)
    if running; then echo "mail sink: running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; else echo "mail sink: stopped"; fi
    ;;
*) echo "usage: mail-sink.sh start|stop|status DIR PORT" >&2; exit 2 ;;
esac
