#!/usr/bin/env bash
# A Redis Cluster on loopback for tests and trials: six nodes, three primaries with a replica
# each, joined by `redis-cli --cluster create`, on FIRST_PORT..FIRST_PORT+5 (cluster bus on
# FIRST_PORT+100..+105), data thrown away on stop.
#
#   ops/local/redis-cluster.sh start DIR FIRST_PORT   # prints REDIS_CLUSTER_NODES's value
#   ops/local/redis-cluster.sh stop DIR
set -euo pipefail

command=${1:?usage: redis-cluster.sh start DIR FIRST_PORT | stop DIR}
dir=${2:?the folder of the cluster}

stop() {
    local pidfile pid
    for pidfile in "$dir"/*/redis.pid; do
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

case $command in
start)
    first=${3:?the port of the first node}
    stop
    rm -rf "$dir" && mkdir -p "$dir"
    # Absolute: a daemonized redis-server resolves its paths from /.
    dir=$(cd "$dir" && pwd)
    nodes=()
    for i in 0 1 2 3 4 5; do
        port=$((first + i))
        mkdir -p "$dir/$port"
        redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes --cluster-port $((first + 100 + i)) \
            --cluster-config-file "$dir/$port/nodes.conf" --cluster-node-timeout 2000 --dir "$dir/$port" \
            --repl-diskless-sync-delay 0 \
            --save "" --appendonly no --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log"
        nodes+=("127.0.0.1:$port")
    done
    for node in "${nodes[@]}"; do
        for _ in $(seq 100); do redis-cli -p "${node#*:}" ping >/dev/null 2>&1 && break; sleep 0.05; done
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
        { cat "$dir/create.log" >&2; exit 1; }
    # Whole when every node says so.
    for node in "${nodes[@]}"; do
        for _ in $(seq 300); do
            redis-cli -p "${node#*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
            sleep 0.1
        done
        redis-cli -p "${node#*:}" cluster info | grep -q 'cluster_state:ok' || { echo "redis-cluster: $node is not ok" >&2; exit 1; }
    done
    # And every replica has copied its primary (one that never has cannot take over).
    for node in "${nodes[@]}"; do
        for _ in $(seq 300); do
            redis-cli -p "${node#*:}" info replication | tr -d '\r' | grep -qE '^role:master|^master_link_status:up' && break
            sleep 0.1
        done
    done
    (IFS=,; echo "${nodes[*]}")
    ;;
stop) stop ;;
*) echo "usage: redis-cluster.sh start DIR FIRST_PORT | stop DIR" >&2; exit 2 ;;
esac
