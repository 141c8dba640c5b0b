#!/usr/bin/env bash
# Private Postgres and Redis for one local stack (dev, test, bench), on loopback only,
# with their data under .data/<stack>. Idempotent: starting a running stack does nothing.
#
#   ops/local/stores.sh packages                      (install what is missing, nothing else)
#   ops/local/stores.sh start|stop|status <stack> <postgres-port> <redis-port>
#   ops/local/stores.sh sockets <stack> <postgres-port> <redis-port>
#       (prints POSTGRES_SOCKET_DIR=… and REDIS_SOCKET=…: the servers also listen on Unix
#       sockets, which spare a client on this machine the loopback TCP stack)
#   ops/local/stores.sh restart-postgres <stack> <postgres-port> <redis-port> fast|immediate
#   ops/local/stores.sh kill-redis <stack> <postgres-port> <redis-port>   (SIGKILL; `start` brings it back)
#
# The last two are the faults `make test-chaos` injects: what a minor-version upgrade, a crash
# of Postgres, or Redis dying do to a running stack.
set -euo pipefail

cmd=${1:?usage: stores.sh packages | start|stop|status STACK PG_PORT REDIS_PORT}
[ "$cmd" = packages ] && set -- "$cmd" none 0 0
stack=${2:?stack name}
pg_port=${3:?postgres port}
redis_port=${4:?redis port}

root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.data/$stack"
pg_dir="$dir/postgres"
# As root, Postgres runs as the `postgres` user, who may not be able to enter the checkout (a
# 0700 temp folder, say); its data then lives in a per-checkout folder under /var/tmp.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
    pg_dir="/var/tmp/order-platform-$(printf '%s' "$root" | sha1sum | cut -c1-12)/$stack/postgres"
    mkdir -p "$(dirname "$pg_dir")" && chmod 755 "$(dirname "$(dirname "$pg_dir")")" "$(dirname "$pg_dir")"
fi
redis_dir="$dir/redis"
# A socket's path must fit sockaddr_un (107 bytes); a checkout deeper than that gets TCP alone.
redis_socket="$redis_dir/redis.sock"
[ ${#redis_socket} -le 100 ] || redis_socket=""
db_name=${DB_NAME:-orders}

log() { printf '%s\n' "stores[$stack]: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs what is missing: redis-server, libhiredis-dev, libjemalloc-dev (the release build's
# allocator), postgresql, nginx (the load balancer),
# and, when WITH_WRK is set, the benchmark's tools: wrk (its load generator), valgrind and a C
# compiler (its instruction counts).
ensure_packages() {
    local missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
    [ -f /usr/include/jemalloc/jemalloc.h ] || missing+=(libjemalloc-dev)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    command -v curl >/dev/null || missing+=(curl)
    # The SMTP tests make a throwaway certificate for their TLS mail server.
    command -v openssl >/dev/null || missing+=(openssl)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    [ -z "${WITH_WRK:-}" ] || command -v wrk >/dev/null || missing+=(wrk)
    [ -z "${WITH_WRK:-}" ] || command -v valgrind >/dev/null || missing+=(valgrind)
    [ -z "${WITH_WRK:-}" ] || command -v cc >/dev/null || missing+=(gcc)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# Postgres refuses to run as root: as root, run its tools as the `postgres` system user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local bin; bin=$(pg_bin)
    if [ "$(id -u)" = 0 ]; then
        install -d -o postgres -g postgres "$pg_dir"
    else
        mkdir -p "$pg_dir"
    fi
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
        log "initialising Postgres in $pg_dir"
        as_pg "$bin/initdb" -D "$pg_dir/data" -U app --auth=trust -E UTF8 --no-locale >/dev/null
    fi
    if as_pg "$bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
        return
    fi
    if port_busy "$pg_port"; then
        log "port $pg_port is taken by another server (another checkout's stack?); stop it or choose another port (DEV_PG_PORT / TEST_PG_PORT)"
        exit 1
    fi
    log "starting Postgres on 127.0.0.1:$pg_port"
    local attempt seen
    for attempt in $(seq 10); do
        seen=$(lines "$pg_dir/postgres.log")
        as_pg "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=${PG_MAX_CONNECTIONS:-300} ${PG_EXTRA_OPTS:-}" \
            start >/dev/null 9>&- && return
        port_taken_for_now "$pg_dir/postgres.log" "$seen" "could not bind" || break
    done
    log "Postgres did not start; see $pg_dir/postgres.log"
    exit 1
}

# The stores' ports lie in the kernel's ephemeral range (32768–60999): a client's outgoing
# connection may hold one as its local port for a moment, and the server cannot bind it then.
# True (after a pause) when the lines of LOG after the first SEEN say so, so the caller tries again.
port_taken_for_now() {
    tail -n +"$(($2 + 1))" "$1" 2>/dev/null | grep -q "$3" || return 1
    log "the port is held by another connection for now; trying again"
    sleep 0.5
}

lines() { { wc -l <"$1"; } 2>/dev/null || echo 0; }

ensure_database() {
    local exists
    exists=$(psql -h 127.0.0.1 -p "$pg_port" -U app -d postgres -Atc \
        "SELECT 1 FROM pg_database WHERE datname = '$db_name'")
    if [ "$exists" != 1 ]; then
        log "creating database $db_name"
        psql -h 127.0.0.1 -p "$pg_port" -U app -d postgres -qc "CREATE DATABASE $db_name" >/dev/null
    fi
}

# The pid of the Redis answering on this stack's port, if one answers.
redis_answering_pid() {
    redis-cli -h 127.0.0.1 -p "$redis_port" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p'
}

# Whether the Redis answering on the port is this stack's own (its pidfile names it): another
# stack's server on the same port must be neither used nor stopped.
redis_is_ours() {
    local pid; pid=$(redis_answering_pid)
    [ -n "$pid" ] && [ -s "$redis_dir/redis.pid" ] && [ "$pid" = "$(cat "$redis_dir/redis.pid")" ]
}

start_redis() {
    mkdir -p "$redis_dir"
    if redis_is_ours; then
        return
    fi
    if [ -n "$(redis_answering_pid)" ]; then
        log "port $redis_port is taken by another Redis (another stack's?); stop it or choose another port (DEV_REDIS_PORT / TEST_REDIS_PORT)"
        exit 1
    fi
    log "starting Redis on 127.0.0.1:$redis_port"
    local attempt seen
    for attempt in $(seq 10); do
        seen=$(lines "$redis_dir/redis.log")
        redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" --daemonize yes \
            --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
            ${redis_socket:+--unixsocket "$redis_socket" --unixsocketperm 700} \
            --appendonly yes --appendfsync everysec --save "" >/dev/null 9>&-
        for _ in $(seq 50); do
            redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && return
            tail -n +"$((seen + 1))" "$redis_dir/redis.log" 2>/dev/null | grep -q "aborting" && break
            sleep 0.1
        done
        port_taken_for_now "$redis_dir/redis.log" "$seen" "Address already in use" || break
    done
    log "Redis did not start; see $redis_dir/redis.log"
    exit 1
}

stop_all() {
    local bin; bin=$(pg_bin 2>/dev/null || true)
    if [ -f "$pg_dir/data/postmaster.pid" ] && [ -n "$bin" ]; then
        log "stopping Postgres"
        as_pg "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
    fi
    if redis_is_ours; then
        log "stopping Redis"
        redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    fi
}

case "$cmd" in
packages) ensure_packages; exit 0 ;;
esac

mkdir -p "$dir"
case "$cmd" in
start)
    ensure_packages
    # One start at a time per stack, so two `make dev` racing cannot double-start. The servers
    # are started with fd 9 closed so they do not inherit (and hold) the lock.
    exec 9>"$dir/.stores.lock"
    flock 9
    start_postgres
    ensure_database
    start_redis
    ;;
stop) stop_all ;;
restart-postgres)
    mode=${5:-fast}
    # A restart of a stopped server starts it with the options it last ran with.
    for attempt in $(seq 10); do
        seen=$(lines "$pg_dir/postgres.log")
        as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -m "$mode" -w -t 60 restart >/dev/null 9>&- && exit 0
        port_taken_for_now "$pg_dir/postgres.log" "$seen" "could not bind" || break
    done
    exit 1
    ;;
kill-redis)
    if [ -s "$redis_dir/redis.pid" ]; then kill -KILL "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 || break; sleep 0.1; done
    rm -f "$redis_dir/redis.pid"
    ;;
status)
    if psql -h 127.0.0.1 -p "$pg_port" -U app -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
        echo "postgres 127.0.0.1:$pg_port up"; else echo "postgres 127.0.0.1:$pg_port down"; fi
    if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
        echo "redis    127.0.0.1:$redis_port up"; else echo "redis    127.0.0.1:$redis_port down"; fi
    ;;
sockets)
    # Postgres names its socket after its port (.s.PGSQL.<port>) in the directory given by -k.
    if [ -S "$pg_dir/.s.PGSQL.$pg_port" ]; then echo "POSTGRES_SOCKET_DIR=$pg_dir"; fi
    if [ -n "$redis_socket" ] && [ -S "$redis_socket" ]; then echo "REDIS_SOCKET=$redis_socket"; fi
    ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
