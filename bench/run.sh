#!/usr/bin/env bash
# `make bench` / `make bench-quick`: the gateway and the workers under load on a private stack,
# next to what Postgres and Redis alone do with the same work (pgbench, redis-benchmark).
#
# Environment: GATEWAYS (1), WORKERS (2: the HTTP scenarios' stack), QUICK (0; 1 = short runs,
# fewer connection counts, 2,000 jobs only), DURATION (seconds per wrk run: 15, quick 5),
# BENCH_BIN (.build/release; another build's binaries, for an A/B on the same stack), ONLY (empty;
# `jobs` runs the job and delivery scenarios alone, `deliveries` the delivery scenario alone;
# `events` the live-events scenario alone, after one create run that gives get_order its orders;
# `payments` create_order with payments off and on alone; `http` the HTTP scenarios and Redis alone),
# JOB_WORKERS (the job runs' worker counts: "1 2 4", quick "1"), DELIVERY_LAYOUTS (the delivery
# runs' workers and layouts: "1 2 2:split 3:split", quick "1"; either empty: none of those runs),
# JOB_SHARDS ("3", quick empty: the job runs again with the workers' Redis a cluster of that many
# primaries, a replica each; `ONLY=shards` runs those alone), JOB_PARTITIONS (16),
# BENCH_PERF (a directory: each wrk run's gateway profile by `perf record` into it,
# <scenario>-<connections>.data; BENCH_PERF_GRAPH=1 with call graphs), BENCH_SYSCALLS (a directory:
# each wrk run's gateway system calls counted by `strace -c -f` into <scenario>-<connections>.txt;
# strace slows the gateway, so only the counts per request are figures), STORES_OVER (tcp; `unix`:
# the gateways, the workers, pgbench and redis-benchmark reach Postgres and Redis through their
# Unix sockets, as a deployment with the stores on the gateways' machine may), CALLGRIND (1 in the
# full bench, 0 in a quick one: the gateway's instructions per request under valgrind's
# callgrind, a second gateway on a fixed count of each scenario's requests; `ONLY=callgrind`
# runs those alone).
# Each create_order, get_order and health_live run is followed by the same load on the stack's floor
# (`stack-floor` from BENCH_BIN, when built: Sources/StackFloor), and every wrk and pgbench run reports the CPU of
# each party per request (gateway, Postgres, Redis, the rest of the machine).
# Prints a Markdown table and writes it to bench/results/<date>.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=${QUICK:-0}
gateways=${GATEWAYS:-1}
workers=${WORKERS:-2}
duration=${DURATION:-$([ "$quick" = 1 ] && echo 5 || echo 15)}
pg_port=25434
redis_port=26381
port=18500
bin=$(cd "${BENCH_BIN:-.build/release}" && pwd)
work=.data/bench/work
results=bench/results
mkdir -p "$work" "$results"
export BENCH_DIR="$root/bench"

log() { echo "bench: $*" >&2; }

# MARK: the stack, tuned as ops/ recommends

# ops/postgres/README.md's starting points (durability on, as in production); Redis with AOF
# everysec as ops/redis/redis.conf has it (stores.sh starts it so).
# Pools open whole at start: gateways and workers hold DATABASE_POOL_SIZE each, and pgbench up to 256 more.
# Commit timestamps on: the live-events scenario measures from each order's commit.
bench_pg_opts="-c shared_buffers=1GB -c effective_cache_size=3GB -c work_mem=16MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c track_commit_timestamp=on"
admin_url="postgres://app@127.0.0.1:$pg_port/orders"
# Stores left running by an earlier run with other settings start again with these.
if [ "$(psql "$admin_url" -Atc "SHOW track_commit_timestamp" 2>/dev/null)" = off ]; then
    ops/local/stores.sh stop bench $pg_port $redis_port >&2
fi
# Nothing the bench starts outlives it, however it ends.
trap 'STACK=bench ops/local/stack.sh stop >/dev/null 2>&1 || true; ops/local/stores.sh stop bench $pg_port $redis_port >/dev/null 2>&1 || true
      ops/local/payment-provider.sh stop $work/stripe >/dev/null 2>&1 || true
      [ -s $work/callgrind/gateway.pid ] && kill -KILL "$(cat $work/callgrind/gateway.pid)" 2>/dev/null
      [ -s $work/stack-floor.pid ] && kill -KILL "$(cat $work/stack-floor.pid)" 2>/dev/null
      for f in $work/hook-*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done; ops/local/mail-sink.sh stop $work/mail 0 >/dev/null 2>&1 || true' EXIT
PG_MAX_CONNECTIONS=500 PG_EXTRA_OPTS="$bench_pg_opts" ops/local/stores.sh start bench $pg_port $redis_port >&2
psql "$admin_url" -qc "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench" >&2
# Redis starts empty too: its queues must match this run's database (and JOB_PARTITIONS). Once
# it has loaded what an earlier run left (until then it answers LOADING).
for _ in $(seq 600); do [ "$(redis-cli -p $redis_port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
redis-cli -p $redis_port FLUSHALL | grep -qx OK || { log "could not empty the bench Redis"; exit 1; }
redis-cli -p $redis_port flushall >/dev/null

export ENV=production SECRET_KEY=bench-secret-key-0123456789abcdef0123456789 LOG_LEVEL=warning LOG_FORMAT=json
export DATABASE_URL="postgres://app@127.0.0.1:$pg_port/bench" REDIS_URL="redis://127.0.0.1:$redis_port/0"
redis_bench_target="-p $redis_port"
if [ "${STORES_OVER:-tcp}" = unix ]; then
    sockets=$(ops/local/stores.sh sockets bench $pg_port $redis_port)
    pg_socket_dir=$(sed -n 's/^POSTGRES_SOCKET_DIR=//p' <<<"$sockets")
    redis_socket=$(sed -n 's/^REDIS_SOCKET=//p' <<<"$sockets")
    [ -n "$pg_socket_dir" ] && [ -n "$redis_socket" ] || { log "STORES_OVER=unix: the stores have no Unix sockets ($sockets)"; exit 1; }
    # libpq (psql, pgbench) reads the same URL: host= is the socket's directory.
    export DATABASE_URL="postgres://app@:$pg_port/bench?host=$pg_socket_dir" REDIS_URL="unix://$redis_socket?db=0"
    redis_bench_target="-s $redis_socket"
    log "stores over Unix sockets: $DATABASE_URL, $REDIS_URL"
fi
export DATABASE_POOL_SIZE=${DATABASE_POOL_SIZE:-32} BCRYPT_COST=10 MAX_PENDING_ORDERS=100000 AUTO_PROCESS_AFTER_SECONDS=86400
export RATE_LIMIT_LOGIN_IP=100000000/min RATE_LIMIT_LOGIN_USER=100000000/min RATE_LIMIT_REGISTER_IP=100000000/min
export RATE_LIMIT_ANONYMOUS=100000000/s RATE_LIMIT_USER=100000000/s RECONCILE_INTERVAL_SECONDS=3600
export ADMIN_EMAIL=bench-admin@example.com ADMIN_PASSWORD=bench-admin-password
# The live-events scenario holds about 15 streams per customer.
export EVENTS_STREAMS_PER_USER=1000
$bin/gateway migrate >&2

export STACK=bench PORT=$port GATEWAY_PORT=$((port + 1)) WORKER_PORT=$((port + 100)) BIN_DIR="$bin"
GATEWAYS=$gateways WORKERS=$workers ops/local/stack.sh start >&2
# One gateway is measured directly; several are measured through nginx.
target="http://127.0.0.1:$([ "$gateways" = 1 ] && echo $((port + 1)) || echo $port)"

# MARK: seed: 64 customers (one password hash, copied), 100 products with deep stock

users=64
products=100
curl -fsS "$target/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"username":"bench_0","email":"bench_0@example.com","password":"bench-password"}' >/dev/null
psql "$DATABASE_URL" -q >&2 <<SQL
INSERT INTO users (id, username, email, password_hash, role)
SELECT gen_random_uuid(), 'bench_' || n, 'bench_' || n || '@example.com', (SELECT password_hash FROM users WHERE username = 'bench_0'), 'customer'
FROM generate_series(1, $users - 1) n;
INSERT INTO products (id, sku, name, description, category, price, stock)
SELECT gen_random_uuid(), 'BENCH-' || lpad(n::text, 3, '0'), 'Bench product ' || n, 'A product for the benchmark', 'Bench',
       (n % 50 + 5)::numeric(12,2), 1000000000
FROM generate_series(1, $products) n;
CREATE TABLE bench_users AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE username LIKE 'bench\_%';
CREATE TABLE bench_products AS SELECT row_number() OVER (ORDER BY sku) AS n, id, sku FROM products WHERE sku LIKE 'BENCH-%';
ALTER TABLE bench_users ADD PRIMARY KEY (n);
ALTER TABLE bench_products ADD PRIMARY KEY (n);
SQL
psql "$DATABASE_URL" -Atc "SELECT username FROM users WHERE username LIKE 'bench\_%' ORDER BY username" >"$work/users"
psql "$DATABASE_URL" -Atc "SELECT sku FROM products WHERE sku LIKE 'BENCH-%'" >"$work/skus"
# One access token per customer, in the order of $work/users.
issue_tokens() {
    : >"$work/tokens"
    while read -r name; do
        curl -fsS "$target/api/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"bench-password\"}" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' >>"$work/tokens"
    done <"$work/users"
}
issue_tokens
export BENCH_TOKENS="$root/$work/tokens" BENCH_SKUS="$root/$work/skus" BENCH_USERS="$root/$work/users"

# MARK: measuring

# "user order" pairs of up to 20,000 gateway-created orders (pgbench's have no login behind
# them, but any customer's own orders do).
owned_orders() {
    psql "$DATABASE_URL" -Atc "SELECT u.username || ' ' || o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.request_hash <> '\\x00'::bytea ORDER BY random() LIMIT 20000" >"$work/order-owners"
}
# The pairs with each customer's current token ("token id" lines, get_order.lua's BENCH_ORDERS).
pair_orders() {
    python3 -c '
import sys
names = [l.strip() for l in open(sys.argv[1])]
tokens = [l.strip() for l in open(sys.argv[2])]
token = dict(zip(names, tokens))
for line in sys.stdin:
    name, order = line.split()
    print(token[name], order)
' "$work/users" "$work/tokens" <"$work/order-owners" >"$work/orders"
}
export BENCH_ORDERS="$root/$work/orders"


rows="$work/rows"
: >"$rows"
# Orders of an earlier run are gone with its database.
rm -f "$work/orders" "$work/order-owners"
# The processes measured as the gateway: the stack's gateways, or (measured_pids set) another
# server in their place, as the stack floor.
gateway_pids() { if [ -n "${measured_pids:-}" ]; then echo "$measured_pids"; else cat .data/bench/run/gateway-*.pid; fi; }
# CPU time (clock ticks) of the given processes so far, with their reaped children's.
ticks() { local total=0 pid; for pid in "$@"; do total=$((total + $(awk '{print $14 + $15 + $16 + $17}' /proc/$pid/stat 2>/dev/null || echo 0))); done; echo $total; }
# Context switches of the given processes' threads so far (voluntary and not): each time a thread
# sleeps for work or hands a task to another thread, so fewer per request means fewer hops.
# (A thread may end between the listing and the read: that is no failure.)
switches() { local pid; for pid in "$@"; do cat /proc/$pid/task/*/status 2>/dev/null || true; done | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }
# The bench Postgres: its postmaster (whose count includes ended backends) and live backends.
postgres_pids() { local master; master=$(pgrep -f "postgres.*-p $pg_port" | head -1); echo "$master $(pgrep -P "$master" | tr '\n' ' ')"; }
# The bench Redis, or while a shards run lasts (cluster_nodes set) every node of its cluster.
redis_pids() {
    if [ -n "${cluster_nodes:-}" ]; then
        local node
        for node in $(tr , " " <<<"${cluster_nodes:-}"); do pgrep -f "redis-server 127.0.0.1:${node#*:}"; done
    else
        pgrep -f "redis-server 127.0.0.1:$redis_port"
    fi
}
# Commands the job queue's Redis has run (every node of a shards run's cluster, replicas too).
redis_commands() {
    local ports=$redis_port node total=0 count
    [ -z "${cluster_nodes:-}" ] || ports=$(for node in $(tr , " " <<<"$cluster_nodes"); do echo "${node#*:}"; done)
    for node in $ports; do
        count=$(redis-cli -p "$node" info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p')
        total=$((total + ${count:-0}))
    done
    echo $total
}
# redis-cli for the job queue's Redis: the cluster's first node following redirects (-c) in a
# shards run.
queue_cli() {
    if [ -n "${cluster_nodes:-}" ]; then
        local first=${cluster_nodes%%,*}
        redis-cli -c -p "${first#*:}" "$@"
    else
        redis-cli -p "$redis_port" "$@"
    fi
}
# The whole machine's busy CPU time so far (clock ticks of every core, idle and I/O wait left
# out): what is left of it after the parties measured by name is the load generator's and the
# kernel's softirq work.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# "GATEWAY POSTGRES REDIS MACHINE" ticks so far, for parties_json.
parties() { echo "$(ticks $(gateway_pids)) $(ticks $(postgres_pids)) $(ticks $(redis_pids)) $(machine_ticks)"; }
# parties_json BEFORE AFTER: each party's CPU seconds between two `parties` readings, as JSON.
parties_json() {
    python3 - "$1" "$2" "$(getconf CLK_TCK)" <<'PY'
import json, sys
before, after, hz = [int(x) for x in sys.argv[1].split()], [int(x) for x in sys.argv[2].split()], int(sys.argv[3])
names = ["gateway", "postgres", "redis", "machine"]
print(json.dumps({name: round((a - b) / hz, 2) for name, b, a in zip(names, before, after)}))
PY
}
# The highest resident size any gateway reached so far (VmHWM), in MB.
peak_rss() { local max=0 pid kb; for pid in $(gateway_pids); do kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status); [ "$kb" -gt "$max" ] && max=$kb; done; echo $((max / 1024)); }

# wrk_run NAME CONNECTIONS SCRIPT [PATH]: one wrk run, one row, with each party's CPU time during
# it (the gateways' divided by the requests: the figure this noisy machine keeps stable).
wrk_run() {
    local name=$1 connections=$2 script=$3 out commands switched parties0
    parties0=$(parties)
    switched=$(switches $(gateway_pids))
    commands=$(redis_commands)
    local perf_pid=
    if [ -n "${BENCH_PERF:-}" ]; then
        mkdir -p "$BENCH_PERF"
        perf record -q -F 1999 ${BENCH_PERF_GRAPH:+-g} -o "$BENCH_PERF/$name-$connections.data" -p "$(gateway_pids | paste -sd,)" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    local strace_pid=
    if [ -n "${BENCH_SYSCALLS:-}" ]; then
        mkdir -p "$BENCH_SYSCALLS"
        strace -c -f -q -o "$BENCH_SYSCALLS/$name-$connections.txt" $(gateway_pids | sed 's/^/-p /') &
        strace_pid=$!
        sleep 0.5
    fi
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s -s "bench/$script" "$target${4:-}" 2>&1 | grep '^BENCH ' | sed 's/^BENCH //')
    local cpu_json
    cpu_json=$(parties_json "$parties0" "$(parties)")
    switched=$(($(switches $(gateway_pids)) - switched))
    commands=$(($(redis_commands) - commands))
    if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
    if [ -n "$strace_pid" ]; then kill -INT "$strace_pid"; wait "$strace_pid" || true; fi
    echo "{\"scenario\": \"$name\", \"connections\": $connections, \"rss_mb\": $(peak_rss), \"gateway_switches\": $switched, \"redis_commands\": $commands, \"cpu_s\": $cpu_json, \"wrk\": $out}" >>"$rows"
    log "$name c=$connections: $out"
}

# pgbench_run NAME CLIENTS SCRIPT VARS...: the same SQL straight to Postgres.
pgbench_run() {
    local name=$1 clients=$2 script=$3
    shift 3
    local out tps p99 parties0 cpu_json transactions
    parties0=$(parties)
    out=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$duration" --log --log-prefix="$work/pgbench" \
        -f "bench/pgbench/$script" "$@" "$DATABASE_URL" 2>&1)
    cpu_json=$(parties_json "$parties0" "$(parties)")
    tps=$(echo "$out" | awk '/^tps/ {print $3; exit}')
    transactions=$(echo "$out" | awk '/^number of transactions actually processed/ {split($NF, n, "/"); print n[1]; exit}')
    p99=$(cat "$work"/pgbench* 2>/dev/null | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", a[int(NR*0.99)]/1000; else print "0"}')
    rm -f "$work"/pgbench*
    echo "{\"scenario\": \"$name\", \"connections\": $clients, \"pgbench\": {\"tps\": $tps, \"p99\": $p99, \"transactions\": ${transactions:-0}}, \"cpu_s\": $cpu_json}" >>"$rows"
    log "$name pgbench c=$clients: $tps tps, p99 $p99 ms"
}

# MARK: instructions per request: a second gateway under valgrind's callgrind

# The instruction counts do not swing with the machine's other load as CPU time does: a
# gateway started under callgrind beside the stack's, each scenario's own wrk script on one
# connection stopped after a fixed count of requests (BENCH_REQUESTS, one seed), and the
# gateway's instructions counted from a zeroing to a dump (`callgrind_control`). The same
# count while the gateway idles gives what its timers and the event fan-out cost meanwhile.
# CALLGRIND_CONNECTIONS (1) counts with that many requests in flight instead (the pool then
# lends more than one connection; the first requests past the count are answered uncounted).
callgrind_runs() {
    local dir="$work/callgrind" cg_port=$((port + 60)) pid
    rm -rf "$dir" && mkdir -p "$dir"
    command -v valgrind >/dev/null || { log "CALLGRIND: valgrind is not installed (apt-get install valgrind)"; return 1; }
    # An async Swift main ends its main thread in dispatch_main(), which valgrind 3.19 does not
    # survive: bench/callgrind/dispatch_main.c keeps the thread and drains the main queue on it.
    cc -shared -fPIC -O2 -o "$dir/dispatch_main.so" bench/callgrind/dispatch_main.c
    # Its DWARF 5 debug information stops valgrind 3.19's reader; the symbols stay, and so do the
    # profile's function names.
    objcopy --strip-debug "$bin/gateway" "$dir/gateway"
    for resources in "$bin"/*.resources; do ln -s "$resources" "$dir/"; done
    PORT=$cg_port METRICS_PORT=$((port + 61)) LD_PRELOAD="$root/$dir/dispatch_main.so" \
        valgrind --tool=callgrind --callgrind-out-file="$root/$dir/callgrind.out" "$dir/gateway" serve >"$dir/gateway.log" 2>&1 &
    pid=$!
    echo $pid >"$dir/gateway.pid"
    for _ in $(seq 1500); do
        curl -fsS -o /dev/null "http://127.0.0.1:$cg_port/health/ready" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.2
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$cg_port/health/ready" || { log "the gateway under callgrind did not become ready"; tail -20 "$dir/gateway.log" >&2; return 1; }
    # callgrind_count NAME SCRIPT COUNT: a warm-up of a fifth of COUNT, then COUNT requests counted.
    callgrind_count() {
        local name=$1 script=$2 count=$3 out instructions
        BENCH_REQUESTS=$((count / 5)) BENCH_SEED=2 wrk -t1 -c1 -d3600s --timeout 60s -s "bench/$script" "http://127.0.0.1:$cg_port" >/dev/null 2>&1
        callgrind_control --zero $pid >/dev/null 2>&1
        out=$(BENCH_REQUESTS=$count BENCH_SEED=1 wrk -t1 -c"${CALLGRIND_CONNECTIONS:-1}" -d3600s --timeout 60s -s "bench/$script" "http://127.0.0.1:$cg_port" 2>&1 | grep '^BENCH ' | sed 's/^BENCH //')
        [ -n "$out" ] || { log "callgrind $name: wrk gave no result"; return 1; }
        instructions=$(callgrind_dumped "$name")
        echo "{\"scenario\": \"callgrind\", \"name\": \"$name\", \"instructions\": $instructions, \"wrk\": $out}" >>"$rows"
        log "callgrind $name: $instructions instructions, $out"
    }
    # The instructions counted since the last zeroing, dumped to a file of their own.
    callgrind_dumped() {
        local before
        before=$(ls "$dir" | grep -c '^callgrind.out\.' || true)
        callgrind_control --dump="$1" $pid >/dev/null 2>&1
        for _ in $(seq 300); do [ "$(ls "$dir" | grep -c '^callgrind.out\.' || true)" -gt "$before" ] && break; sleep 0.1; done
        awk '/^(summary|totals):/ {print $2; exit}' "$(ls -t "$dir"/callgrind.out.* | head -1)"
    }
    local idle_seconds=10
    callgrind_control --zero $pid >/dev/null 2>&1
    sleep $idle_seconds
    echo "{\"scenario\": \"callgrind_idle\", \"seconds\": $idle_seconds, \"instructions\": $(callgrind_dumped idle)}" >>"$rows"
    callgrind_count create_order create_order.lua 200
    # Without the HTTP scenarios before it (ONLY=callgrind), get_order reads the orders just made.
    [ -s "$work/orders" ] || { owned_orders && pair_orders; }
    callgrind_count get_order get_order.lua 1000
    callgrind_count my_orders my_orders.lua 200
    callgrind_count health_live health.lua 2000
    kill -TERM $pid
    wait $pid || true
    rm -f "$dir/gateway.pid"
}

# What Redis runs while nothing is asked of the stack: the workers' claim loops asking every
# partition after each quiet wait, reapers, heartbeats, gauges (docs/CAPACITY.md's idle cost).
idle0=$(redis_commands)
sleep 5
log "redis commands while idle: $(( ($(redis_commands) - idle0) / 5 ))/s with $workers workers, JOB_PARTITIONS=${JOB_PARTITIONS:-16}"

connection_counts=$([ "$quick" = 1 ] && echo "64" || echo "16 64 256")
events_only=$([ "${ONLY:-}" = events ] && echo 1 || echo 0)
[ "$events_only" = 1 ] && connection_counts=64
if [ "${ONLY:-}" != jobs ] && [ "${ONLY:-}" != deliveries ] && [ "${ONLY:-}" != payments ] && [ "${ONLY:-}" != shards ] && [ "${ONLY:-}" != callgrind ]; then
# Each create run starts with no pending orders, so runs compare alike: the load keeps every
# order pending (the cap is raised out of its way), and the create's pending count grows with them.
reset_pending() { psql "$DATABASE_URL" -qc "UPDATE orders SET status = 'processing' WHERE status = 'pending'" >&2; }
# The stack's floor for the same creates and reads (Sources/StackFloor: a Redis round trip and
# pgbench's own statements through the gateway's clients, the last cell sent back as it came; no
# token, no JSON): what share of pgbench any gateway on this stack and machine could reach at most.
floor_pid=
if [ "$events_only" = 0 ] && [ -x "$bin/stack-floor" ]; then
    floor_port=$((port + 70))
    FLOOR_PGBENCH_DIR="$root/bench/pgbench" FLOOR_USERS=$users FLOOR_PRODUCTS=$products PORT=$floor_port "$bin/stack-floor" >"$work/stack-floor.log" 2>&1 &
    floor_pid=$!
    echo $floor_pid >"$work/stack-floor.pid"
    floor_ready=0
    for _ in $(seq 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$floor_port/api/orders/00000000-0000-0000-0000-000000000000")" = 404 ] && floor_ready=1 && break
        sleep 0.1
    done
    [ "$floor_ready" = 1 ] || { log "stack-floor did not answer"; tail -5 "$work/stack-floor.log" >&2; exit 1; }
fi
for c in $connection_counts; do
    reset_pending
    wrk_run create_order "$c" create_order.lua
    [ "$events_only" = 1 ] && continue
    reset_pending
    pgbench_run create_order "$c" create_order.sql -D users=$users -D products=$products
    if [ -n "$floor_pid" ]; then
        reset_pending
        (target="http://127.0.0.1:$floor_port" measured_pids=$floor_pid wrk_run create_order_floor "$c" create_order.lua)
    fi
done

psql "$DATABASE_URL" -q -c "CREATE TABLE bench_orders AS SELECT row_number() OVER () AS n, id FROM (SELECT id FROM orders ORDER BY random() LIMIT 20000) s; ALTER TABLE bench_orders ADD PRIMARY KEY (n);" >&2
norders=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM bench_orders")
owned_orders
pair_orders
for c in $connection_counts; do
    wrk_run get_order "$c" get_order.lua
    [ "$events_only" = 1 ] && continue
    pgbench_run get_order "$c" get_order.sql -D orders="$norders"
    if [ -n "$floor_pid" ]; then
        (target="http://127.0.0.1:$floor_port" measured_pids=$floor_pid wrk_run get_order_floor "$c" get_order.lua)
    fi
done
[ "$events_only" = 1 ] || wrk_run my_orders 64 my_orders.lua

# The console as a vendor (a copy of bench_0's password): signed in through the login form.
psql "$DATABASE_URL" -qc "INSERT INTO users (id, username, email, password_hash, role) SELECT gen_random_uuid(), 'bench_vendor', 'bench_vendor@example.com', password_hash, 'vendor' FROM users WHERE username = 'bench_0'" >&2
page=$(curl -fsS -D "$work/login-headers" "$target/login")
form_cookie=$(grep -i '^set-cookie: op_form=' "$work/login-headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
csrf=$(echo "$page" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fsS -o /dev/null -D "$work/session-headers" "$target/login" -H "Cookie: $form_cookie" \
    --data-urlencode username=bench_vendor --data-urlencode password=bench-password --data-urlencode "_csrf=$csrf"
export BENCH_CONSOLE_COOKIE=$(grep -i '^set-cookie: op_session=' "$work/session-headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
[ -n "$BENCH_CONSOLE_COOKIE" ] || { log "console sign-in failed"; exit 1; }
if [ "$events_only" = 0 ]; then
    wrk_run console 16 console.lua
    wrk_run console_users 16 console_users.lua
    wrk_run login 16 login.lua
    wrk_run health_live 64 health.lua
    if [ -n "$floor_pid" ]; then
        (target="http://127.0.0.1:$floor_port" measured_pids=$floor_pid wrk_run health_live_floor 64 health.lua)
        kill -TERM "$floor_pid"; wait "$floor_pid" || true; rm -f "$work/stack-floor.pid"
    fi
    # The login scenario signed each customer in about ten times, and a customer keeps ten
    # sessions: the first tokens' sessions are gone.
    if [ "${CALLGRIND:-$([ "$quick" = 1 ] && echo 0 || echo 1)}" = 1 ]; then
        issue_tokens
        pair_orders
        callgrind_runs
    fi
fi

# ONLY=http: the HTTP scenarios and Redis alone, for iterating on the request path.
if [ "${ONLY:-}" != http ]; then
# The login scenario signed each customer in about ten times, and a customer keeps ten sessions:
# the first tokens' sessions are gone.
[ "$events_only" = 1 ] || { issue_tokens && pair_orders; }
# MARK: live events: 1,000 open streams (990 of the 64 customers, 10 staff) while orders are placed
# at about 200 a second (one event each); then get_order beside them.
stream_count=${EVENT_STREAMS:-1000}
staff_streams=10
curl -fsS "$target/api/auth/login" -H 'Content-Type: application/json' -d '{"username":"bench_vendor","password":"bench-password"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' >"$work/staff-tokens"
rm -f "$work/events-ready" "$work/events-ready.phase" "$work/events-stop" "$work/events.json"
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$(gateway_pids | head -1)/status)
python3 bench/events.py 127.0.0.1 "${target##*:}" "$work/tokens" "$work/staff-tokens" "$stream_count" "$staff_streams" \
    "$work/events-ready" "$work/events-stop" "$work/events.json" &
events_pid=$!
for _ in $(seq 600); do [ -e "$work/events-ready" ] && break; sleep 0.1; done
[ -e "$work/events-ready" ] || { log "the event streams did not open"; exit 1; }
sleep 1
rss_streams=$(awk '/VmRSS/ {print $2}' /proc/$(gateway_pids | head -1)/status)
first_position=$(psql "$DATABASE_URL" -Atc "SELECT coalesce(max(position), 0) FROM order_events")
# The load phase is also measured inside the platform (the gateway's histograms: row written →
# appended to the Redis Stream, → fanned out to the streams) and in CPU per process, so the
# clients' share of the latency (on the same 2 cores) can be told apart.
metrics_url="http://127.0.0.1:$((port + 300))/metrics"
curl -fsS "$metrics_url" >"$work/metrics-before"
cpu0="$(ticks $(gateway_pids)) $(ticks $(postgres_pids)) $(ticks $(redis_pids)) $(ticks $events_pid)"
load_start=$(date +%s.%N)
echo load >"$work/events-ready.phase"
events_out=$(BENCH_EVENTS_DELAY_MS=10 wrk -t1 -c8 -d"${duration}s" --timeout 10s -s bench/events_load.lua "$target" 2>&1 | grep '^BENCH ' | sed 's/^BENCH //')
cpu1="$(ticks $(gateway_pids)) $(ticks $(postgres_pids)) $(ticks $(redis_pids)) $(ticks $events_pid)"
load_last_position=$(psql "$DATABASE_URL" -Atc "SELECT coalesce(max(position), 0) FROM order_events")
load_seconds=$(python3 -c "import time; print(time.time() - $load_start)")
curl -fsS "$metrics_url" >"$work/metrics-after"
events_inside=$(python3 - "$cpu0" "$cpu1" "$load_seconds" "$(getconf CLK_TCK)" \
    "$(python3 bench/histogram.py "$work/metrics-before" "$work/metrics-after" events_publication_lag_seconds)" \
    "$(python3 bench/histogram.py "$work/metrics-before" "$work/metrics-after" events_fanout_latency_seconds)" \
    "$(python3 bench/histogram.py "$work/metrics-before" "$work/metrics-after" events_delivery_latency_seconds)" <<'PY'
import json, sys
before, after, seconds, tck = sys.argv[1].split(), sys.argv[2].split(), float(sys.argv[3]), float(sys.argv[4])
cores = {name: round((int(a) - int(b)) / tck / seconds, 2) for name, b, a in zip(["gateway", "postgres", "redis", "clients"], before, after)}
print(json.dumps({"cpu_cores": cores, "publication_ms": json.loads(sys.argv[5]), "fanout_ms": json.loads(sys.argv[6]),
                  "delivery_ms": json.loads(sys.argv[7])}))
PY
)
# get_order beside the open streams, first with nothing happening, then with the changes flowing
# (their creates cost the machine too: compare with get_order_during_changes below).
wrk_run get_order_streams_open 64 get_order.lua
echo with_get_order >"$work/events-ready.phase"
BENCH_EVENTS_DELAY_MS=10 wrk -t1 -c8 -d"${duration}s" --timeout 10s -s bench/events_load.lua "$target" >/dev/null 2>&1 &
load_pid=$!
wrk_run get_order_streams_and_changes 64 get_order.lua
wait $load_pid
sleep 2
last_position=$(psql "$DATABASE_URL" -Atc "SELECT coalesce(max(position), 0) FROM order_events")
touch "$work/events-stop"
wait $events_pid
# The same changes and get_order with no stream open: what the changes alone cost get_order.
BENCH_EVENTS_DELAY_MS=10 wrk -t1 -c8 -d"${duration}s" --timeout 10s -s bench/events_load.lua "$target" >/dev/null 2>&1 &
load_pid=$!
wrk_run get_order_during_changes 64 get_order.lua
wait $load_pid
# Each load-phase order's commit time (its row's xmin; the orders stay pending, never updated)
# and its event's row time: the client's arrivals are also measured from the commit.
psql "$DATABASE_URL" -AtF ' ' -c "SELECT e.position, extract(epoch FROM pg_xact_commit_timestamp(o.xmin)), extract(epoch FROM e.at) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE e.position > $first_position AND e.position <= $load_last_position AND e.to_status = 'pending'" >"$work/events-commits"
# Lost: an event after the streams opened that a stream was allowed to see and never got.
psql "$DATABASE_URL" -Atc "SELECT e.position, u.username FROM order_events e JOIN orders o ON o.id = e.order_id JOIN users u ON u.id = o.user_id WHERE e.position > $first_position AND e.position <= $last_position" >"$work/events-expected"
python3 - "$work/events.json" "$work/events-expected" "$work/users" "$rss_before" "$rss_streams" "$events_out" "$duration" "$events_inside" "$work/events-commits" >>"$rows" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from events import summary as percentiles
result = json.load(open(sys.argv[1]))
commits = {}
for line in open(sys.argv[9]):
    parts = line.split()
    if len(parts) == 3 and parts[1]:
        commits[int(parts[0])] = (float(parts[1]), float(parts[2]))
from_commit = [(arrival - commits[position][0]) * 1000 for stream in result["per_stream"].values()
               for position, arrival in stream.get("arrivals", []) if position in commits]
row_to_commit = [(commit - at) * 1000 for commit, at in commits.values()]
expected = [line.strip().split("|") for line in open(sys.argv[2]) if line.strip()]
users = [l.strip() for l in open(sys.argv[3])]
lost = duplicates = delivered = 0
for stream in result["per_stream"].values():
    ids = stream["ids"]
    duplicates += len(ids) - len(set(ids))
    seen = set(ids)
    owner = None if stream["who"] == "staff" else users[stream["customer"]]
    for position, username in expected:
        if owner is None or username == owner:
            delivered += 1
            if int(position) not in seen:
                lost += 1
load = json.loads(sys.argv[6]) if sys.argv[6] else {}
rss_before, rss_streams = int(sys.argv[4]), int(sys.argv[5])
print(json.dumps({
    "scenario": "events", "streams": result["streams"], "staff_streams": result["staff_streams"],
    "events_per_s": load.get("rps", 0),
    "latency_ms": result["latency_ms"], "expected_deliveries": delivered, "lost": lost, "duplicates": duplicates,
    "rss_per_stream_kb": round((rss_streams - rss_before) / result["streams"], 1),
    "inside": json.loads(sys.argv[8]),
    "from_commit_ms": percentiles(from_commit), "row_to_commit_ms": percentiles(row_to_commit),
}))
PY
log "events: $(tail -1 "$rows")"
if [ "$events_only" = 1 ]; then
    python3 bench/report.py "$rows" "$gateways" "$workers" "$duration" | tee "$results/$(date +%Y-%m-%d-%H%M)-events.md"
    exit 0
fi
fi

# Redis alone: the commands of a request's session touch and rate-limit check, as one script.
redis_rps=$(redis-benchmark $redis_bench_target -c 64 -n $([ "$quick" = 1 ] && echo 50000 || echo 200000) -q \
    EVAL "redis.call('HSET', KEYS[1], 'seen', ARGV[1]); redis.call('PEXPIRE', KEYS[1], 60000); local t = redis.call('GET', KEYS[2]); redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000); return t" \
    2 "sess:{__rand_int__}" "rl:{__rand_int__}" 1 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i == "requests") print $(i-1)}' | tail -1)
echo "{\"scenario\": \"redis_script\", \"connections\": 64, \"redis\": {\"rps\": ${redis_rps:-0}}}" >>"$rows"
log "redis: ${redis_rps:-0} scripts/s"
fi

if [ "${ONLY:-}" = callgrind ]; then
    callgrind_runs
    python3 bench/report.py "$rows" "$gateways" "$workers" "$duration" | tee "$results/$(date +%Y-%m-%d-%H%M)-callgrind.md"
    exit 0
fi

# MARK: jobs: N transitions due uniformly over a window (5 s; 0.1 s for a burst that measures the
# ceiling), applied by 1, 2 and 4 workers

# SQL for the queue partition of the job whose id (a uuid column) is $1: its last four hex
# digits modulo JOB_PARTITIONS, as JobQueueKeys computes it.
partition_sql() {
    echo "(('x' || right($1::text, 4))::bit(16)::int % ${JOB_PARTITIONS:-16})"
}

jobs_run() {
    local count=$1 worker_count=$2 window=${3:-5} user
    GATEWAYS=$gateways WORKERS=$worker_count ops/local/stack.sh scale >/dev/null
    user=$(psql "$DATABASE_URL" -Atc "SELECT id FROM users WHERE username = 'bench_0'")
    local written
    written=$(date +%s.%N)
    # Orders written straight to the database, due from 8 s on (after they are enqueued), then
    # enqueued as the gateway does it, each in its partition (the order id's last four hex digits
    # modulo JOB_PARTITIONS): ZADD with the due time, its due field, a wake-up for every partition.
    psql "$DATABASE_URL" -Atc "
        CREATE TEMP TABLE batch AS
        SELECT gen_random_uuid() AS id, now() + interval '8 seconds' + random() * interval '$window seconds' AS due FROM generate_series(1, $count);
        INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, auto_process_at, cancellable_until, created_at)
        SELECT id, '$user', 'Jobs', 'jobs@example.com', 'x', 1, 'USD', due, now(), now() FROM batch;
        SELECT 'ZADD jobs:{transition:' || $(partition_sql id) || '}:scheduled NX ' || ceil(extract(epoch FROM due) * 1000)::bigint || ' ' || id || ':processing' || chr(10) ||
               'HSET jobs:{transition:' || $(partition_sql id) || '}:due ' || id || ':processing ' || ceil(extract(epoch FROM due) * 1000)::bigint FROM batch" |
        queue_cli >/dev/null
    queue_cli ZADD 'jobs:{transition}:wakeups' 0 '*' >/dev/null
    # CPU is counted from the first due time on.
    python3 -c "import time; time.sleep(max(0, $written + 8 - time.time()))"
    local pg0 redis0 workers0 commands0 start node nodes0=()
    pg0=$(ticks $(postgres_pids)); redis0=$(ticks $(redis_pids)); workers0=$(ticks $(cat .data/bench/run/worker-*.pid)); start=$(date +%s.%N)
    commands0=$(redis_commands)
    for node in $(tr , " " <<<"${cluster_nodes:-}"); do nodes0+=("$(ticks $(pgrep -f "redis-server 127.0.0.1:${node#*:}"))"); done
    for _ in $(seq 600); do
        [ "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM orders WHERE customer_name = 'Jobs' AND status = 'pending'")" = 0 ] && break
        sleep 0.1
    done
    local wall pg_cpu redis_cpu workers_cpu commands
    commands=$(($(redis_commands) - commands0))
    wall=$(python3 -c "import time; print(time.time() - $start)")
    pg_cpu=$(python3 -c "print(($(ticks $(postgres_pids)) - $pg0) / 100 / $wall)")
    redis_cpu=$(python3 -c "print(($(ticks $(redis_pids)) - $redis0) / 100 / $wall)")
    workers_cpu=$(python3 -c "print(($(ticks $(cat .data/bench/run/worker-*.pid)) - $workers0) / 100 / $wall)")
    # Per node of a cluster, in its order (three primaries, then their replicas).
    local per_node=() index=0
    for node in $(tr , " " <<<"${cluster_nodes:-}"); do
        per_node+=("$(python3 -c "print(round(($(ticks $(pgrep -f "redis-server 127.0.0.1:${node#*:}")) - ${nodes0[$index]}) / 100 / $wall, 2))")")
        index=$((index + 1))
    done
    psql "$DATABASE_URL" -Atc "
        SELECT json_build_object('scenario', 'jobs', 'jobs', $count, 'window', $window, 'workers', '$worker_count${layout:-}',
          'deliveries', $([ -n "${4:-}" ] && echo true || echo false), 'captures', ${beside_captures:-0},
          'applied', count(e.id),
          'per_second', round((count(e.id) / greatest(extract(epoch FROM max(e.at) - min(o.auto_process_at)), 0.001))::numeric, 0),
          'p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - o.auto_process_at)) * 1000)::numeric, 1),
          'p99', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - o.auto_process_at)) * 1000)::numeric, 1),
          'max', round((max(extract(epoch FROM e.at - o.auto_process_at)) * 1000)::numeric, 1),
          'early', count(*) FILTER (WHERE e.at < o.auto_process_at),
          'postgres_cpu', round($pg_cpu, 2), 'redis_cpu', round($redis_cpu, 2), 'workers_cpu', round($workers_cpu, 2),
          'redis_commands_per_job', round($commands::numeric / $count, 1), 'shards', ${shards:-1},
          'partitions', ${JOB_PARTITIONS:-16}, 'redis_cpu_per_node', '$(IFS=/; echo "${per_node[*]:-}")')
        FROM orders o JOIN order_events e ON e.order_id = o.id AND e.kind = 'transition' AND e.to_status = 'processing'
        WHERE o.customer_name = 'Jobs'" >>"$rows"
    log "jobs n=$count workers=$worker_count shards=${shards:-1}: $(tail -1 "$rows")"
    # Where the tail sits in the window: p99 and max per second of due time (logged, not tabled).
    log "  lateness by second of the window (s: p99/max ms): $(psql "$DATABASE_URL" -Atc "
        SELECT string_agg(format('%s: %s/%s', s, p99, mx), ', ' ORDER BY s) FROM (
          SELECT s, round((percentile_cont(0.99) WITHIN GROUP (ORDER BY late))::numeric, 1) AS p99,
                 round(max(late)::numeric, 1) AS mx
          FROM (SELECT floor(extract(epoch FROM o.auto_process_at - min(o.auto_process_at) OVER ()))::int AS s,
                       extract(epoch FROM e.at - o.auto_process_at) * 1000 AS late
                FROM orders o JOIN order_events e ON e.order_id = o.id AND e.kind = 'transition' AND e.to_status = 'processing'
                WHERE o.customer_name = 'Jobs') t
          GROUP BY s) u")"
    # The two parts of the lateness: due → the move's statement reaching Postgres (the order's
    # updated_at is the statement's time), and the statement → its event row.
    log "  lateness parts (p50/p99/max ms): due → statement $(psql "$DATABASE_URL" -Atc "
        SELECT format('%s/%s/%s', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY x))::numeric, 1),
                      round((percentile_cont(0.99) WITHIN GROUP (ORDER BY x))::numeric, 1), round(max(x)::numeric, 1))
        FROM (SELECT extract(epoch FROM o.updated_at - o.auto_process_at) * 1000 AS x
              FROM orders o WHERE o.customer_name = 'Jobs' AND o.status = 'processing') t"), statement → event $(psql "$DATABASE_URL" -Atc "
        SELECT format('%s/%s/%s', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY x))::numeric, 1),
                      round((percentile_cont(0.99) WITHIN GROUP (ORDER BY x))::numeric, 1), round(max(x)::numeric, 1))
        FROM (SELECT extract(epoch FROM e.at - o.updated_at) * 1000 AS x
              FROM orders o JOIN order_events e ON e.order_id = o.id AND e.kind = 'transition' AND e.to_status = 'processing'
              WHERE o.customer_name = 'Jobs') t")"
    [ -z "${4:-}" ] || deliveries_measure "$worker_count"
    psql "$DATABASE_URL" -qc "DELETE FROM order_events WHERE order_id IN (SELECT id FROM orders WHERE customer_name = 'Jobs'); DELETE FROM orders WHERE customer_name = 'Jobs'" >&2
}
# JOB_WORKERS: the worker counts of the job runs (empty: none).
[ "${ONLY:-}" = deliveries ] || [ "${ONLY:-}" = payments ] || [ "${ONLY:-}" = http ] || [ "${ONLY:-}" = shards ] || for w in ${JOB_WORKERS-$([ "$quick" = 1 ] && echo "1" || echo "1 2 4")}; do
    jobs_run 2000 "$w"
    [ "$quick" = 1 ] || jobs_run 20000 "$w"
    [ "$quick" = 1 ] || jobs_run 20000 "$w" 0.1
done

# MARK: shards: the job runs again with the workers' Redis a Redis Cluster (ops/local/redis-cluster.sh:
# JOB_SHARDS primaries, a replica each, on loopback), the queue spread over its partitions'
# hash tags: where the Redis CPU goes per node, and whether the job rate moves with shards
# (docs/CAPACITY.md reads these rows). The gateways keep the single Redis (jobs runs do not use
# them).
shards_runs() {
    local count
    for count in ${JOB_SHARDS-$([ "$quick" = 1 ] && echo "" || echo "3")}; do
        [ "$count" = 3 ] || { log "JOB_SHARDS: only 3 (ops/local/redis-cluster.sh makes three primaries)"; continue; }
        WORKERS=0 ops/local/stack.sh scale >/dev/null
        local nodes
        nodes=$(ops/local/redis-cluster.sh start "$work/cluster" "${BENCH_CLUSTER_PORT:-27400}")
        (
            export REDIS_CLUSTER_NODES=$nodes
            cluster_nodes=$nodes shards=$count jobs_run 2000 2
            cluster_nodes=$nodes shards=$count jobs_run 20000 2
            cluster_nodes=$nodes shards=$count jobs_run 20000 2 0.1
            WORKERS=0 ops/local/stack.sh scale >/dev/null
        ) || { ops/local/redis-cluster.sh stop "$work/cluster"; exit 1; }
        ops/local/redis-cluster.sh stop "$work/cluster"
    done
}
if [ -z "${ONLY:-}" ] || [ "${ONLY:-}" = jobs ] || [ "${ONLY:-}" = shards ]; then shards_runs; fi

# MARK: deliveries: the 2,000 transitions of 2,000 jobs at 400/s again, each of their events now
# also delivered to 3 webhook endpoints (loopback receivers that verify every signature with
# `standardwebhooks`) and emailed through the mail sink: 8,000 deliveries beside the transitions

# The time from each event's commit to its delivery's acceptance (the ledger's delivered_at), per
# kind, once every delivery of the run's events is settled (or after 120 s).
# Deliveries the 3 receivers verified, together.
received_verified() {
    for i in 0 1 2; do curl -fsS "http://127.0.0.1:$(cat "$work/hook-$i.port")/_received"; echo; done |
        python3 -c 'import json, sys; print(sum(r["verified"] for line in sys.stdin if line.strip() for r in json.loads(line)))'
}

deliveries_measure() {
    local worker_count=$1
    for _ in $(seq 1200); do
        [ "$(psql "$DATABASE_URL" -Atc "
            SELECT (SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                    WHERE o.customer_name = 'Jobs' AND (e.position IS NULL
                       OR e.position > (SELECT position FROM delivery_dispatch WHERE name = 'events')))
                 + (SELECT count(*) FROM deliveries WHERE state IN ('pending', 'failed'))")" = 0 ] && break
        sleep 0.1
    done
    psql "$DATABASE_URL" -Atc "
        SELECT json_build_object('scenario', 'deliveries', 'workers', '$worker_count${layout:-}', 'events', count(DISTINCT d.event_position),
          'delivered', count(*) FILTER (WHERE d.state = 'delivered'), 'owed', count(*) FILTER (WHERE d.state <> 'delivered'),
          'per_second', round((count(*) / greatest(extract(epoch FROM max(d.delivered_at) - min(e.at)), 0.001))::numeric, 0),
          'webhook_p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.at))
                                FILTER (WHERE d.kind = 'webhook') * 1000)::numeric, 1),
          'webhook_p99', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.at))
                                FILTER (WHERE d.kind = 'webhook') * 1000)::numeric, 1),
          'email_p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.at))
                              FILTER (WHERE d.kind = 'email') * 1000)::numeric, 1),
          'email_p99', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.at))
                              FILTER (WHERE d.kind = 'email') * 1000)::numeric, 1),
          'received', $(received_verified),
          'mailed', $(wc -l <"$work/mail/messages.jsonl" 2>/dev/null || echo 0))
        FROM deliveries d JOIN order_events e ON e.position = d.event_position" >>"$rows"
    log "deliveries workers=$worker_count: $(tail -1 "$rows")"
}

deliveries_run() {
    local worker_count=$1 i secret
    # With `split`, the first worker moves orders and the others deliver (JOB_KINDS per worker).
    layout=""
    local kinds=()
    if [ "${2:-}" = split ]; then
        layout=" (1 transitions, $((worker_count - 1)) deliveries)"
        kinds=(WORKER_0_JOB_KINDS=transition)
        for i in $(seq 1 $((worker_count - 1))); do kinds+=("WORKER_${i}_JOB_KINDS=webhook,email"); done
    fi
    peers_python=$(ops/local/peers.sh)
    rm -rf "$work/mail" && mkdir -p "$work/mail"
    ops/local/mail-sink.sh start "$work/mail" 0 >/dev/null
    sink_port=$(cat "$work/mail/port")
    for i in 0 1 2; do
        rm -f "$work/hook-$i.port"
        setsid "$peers_python" Tests/Peers/webhook_receiver.py "$work/hook-$i.port" >>"$work/hook-$i.log" 2>&1 </dev/null &
        echo $! >"$work/hook-$i.pid"
    done
    for i in 0 1 2; do
        for _ in $(seq 100); do [ -s "$work/hook-$i.port" ] && break; sleep 0.05; done
        secret="whsec_$(head -c 32 /dev/urandom | base64)"
        curl -fsS "http://127.0.0.1:$(cat "$work/hook-$i.port")/_control" -d "{\"secrets\": [\"$secret\"]}" >/dev/null
        psql "$DATABASE_URL" -qc "INSERT INTO webhook_endpoints (id, url, event_types, secret)
            VALUES (gen_random_uuid(), 'http://127.0.0.1:$(cat "$work/hook-$i.port")/hooks',
                    ARRAY['order.created', 'order.status_changed', 'order.cancelled'], '$secret')" >&2
    done
    # Only this run's events are delivered: the dispatcher starts after every event so far.
    psql "$DATABASE_URL" -qc "DELETE FROM deliveries;
        UPDATE delivery_dispatch SET position = (SELECT coalesce(max(position), 0) FROM order_events) WHERE name = 'events'" >&2
    # Workers that deliver: started again with the peers in their environment.
    GATEWAYS=$gateways WORKERS=0 ops/local/stack.sh scale >/dev/null
    env "${kinds[@]}" SMTP_URL="smtp://127.0.0.1:$sink_port" SMTP_FROM=orders@bench.localhost WEBHOOK_ALLOW_PRIVATE_NETWORKS=true \
        GATEWAYS=$gateways WORKERS=$worker_count ops/local/stack.sh scale >/dev/null
    # CPU (cores) of each party while the deliveries run: workers, the Python peers, the stores.
    local peers w0 p0 pg0 r0 g0 t0
    peers="$(cat "$work"/hook-*.pid) $(cat "$work/mail/sink.pid")"
    w0=$(ticks $(cat .data/bench/run/worker-*.pid)); p0=$(ticks $peers); pg0=$(ticks $(postgres_pids)); r0=$(ticks $(redis_pids))
    g0=$(ticks $(gateway_pids)); t0=$(date +%s.%N)
    jobs_run 2000 "$worker_count" 5 deliveries
    python3 -c "
wall = $(date +%s.%N) - $t0
parts = {'workers_cpu': $(ticks $(cat .data/bench/run/worker-*.pid)) - $w0, 'peers_cpu': $(ticks $peers) - $p0,
         'postgres_cpu': $(ticks $(postgres_pids)) - $pg0, 'redis_cpu': $(ticks $(redis_pids)) - $r0, 'gateway_cpu': $(ticks $(gateway_pids)) - $g0}
print('{\"scenario\": \"delivery_cpu\", \"workers\": \"$worker_count${layout:-}\", \"wall_s\": %.1f, ' % wall
      + ', '.join('\"%s\": %.2f' % (k, v / 100 / wall) for k, v in parts.items()) + '}')" >>"$rows"
    log "delivery CPU: $(tail -1 "$rows")"
    GATEWAYS=$gateways WORKERS=0 ops/local/stack.sh scale >/dev/null
    psql "$DATABASE_URL" -qc "DELETE FROM webhook_endpoints" >&2
    for i in 0 1 2; do kill "$(cat "$work/hook-$i.pid")" 2>/dev/null || true; done
    ops/local/mail-sink.sh stop "$work/mail" 0 >&2
}
# DELIVERY_LAYOUTS: worker count and layout of each delivery run (`3:split`: one worker moves
# orders, two deliver; empty: none).
[ "${ONLY:-}" = payments ] || [ "${ONLY:-}" = http ] || [ "${ONLY:-}" = shards ] || for run in ${DELIVERY_LAYOUTS-$([ "$quick" = 1 ] && echo "1" || echo "1 2 2:split 3:split")}; do
    deliveries_run "${run%%:*}" "$([ "${run#*:}" = "$run" ] || echo "${run#*:}")"
done
layout=""

# MARK: payments: create_order at 64 connections with payments off, then on against localstripe
# (each order opens its payment in the placing statement and queues its intent, which the
# workers make at the provider meanwhile), on the same stack restarted with PAYMENTS=stripe

payments_run() {
    local connections=64 stripe_port=${BENCH_STRIPE_PORT:-$((port + 400))} before made
    GATEWAYS=$gateways WORKERS=$workers ops/local/stack.sh scale >/dev/null
    psql "$DATABASE_URL" -qc "UPDATE orders SET status = 'processing' WHERE status = 'pending'" >&2
    wrk_run create_order_payments_off $connections create_order.lua
    rm -rf "$work/stripe"
    PROVIDER_IN_MEMORY=1 ops/local/payment-provider.sh start "$work/stripe" $stripe_port "$target/api/payments/stripe/webhook" whsec_bench >&2
    STACK=bench ops/local/stack.sh stop >&2
    export PAYMENTS=stripe STRIPE_API_BASE=http://127.0.0.1:$stripe_port STRIPE_SECRET_KEY=sk_test_bench STRIPE_WEBHOOK_SECRET=whsec_bench
    GATEWAYS=$gateways WORKERS=$workers ops/local/stack.sh start >&2
    psql "$DATABASE_URL" -qc "UPDATE orders SET status = 'processing' WHERE status = 'pending'" >&2
    before=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments WHERE intent_id IS NOT NULL")
    wrk_run create_order_payments_on $connections create_order.lua
    made=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments WHERE intent_id IS NOT NULL")
    # The intents still queued are made before the captures run (their own figure: intents a second).
    local queued_at=$(date +%s.%N) opened
    opened=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments")
    for _ in $(seq 1200); do
        [ "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments WHERE intent_id IS NULL")" = 0 ] && break
        sleep 0.1
    done
    echo "{\"scenario\": \"payment_intents\", \"seconds\": $duration, \"made\": $((made - before)), \"opened\": $opened, \"rest\": $((opened - made)), \"rest_s\": $(python3 -c "import time; print(round(time.time() - $queued_at, 1))"), \"missing\": $(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments WHERE intent_id IS NULL")}" >>"$rows"
    log "payments: $(tail -1 "$rows")"
    captures_run 2000 "$workers"
    STACK=bench ops/local/stack.sh stop >&2
    ops/local/payment-provider.sh stop "$work/stripe" >&2
    unset PAYMENTS STRIPE_API_BASE STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET
}
# captures_run N WORKERS: N authorised intents made at localstripe (create, method, confirm),
# their payments recorded as authorised, and their capture jobs due over the same 5 s as the
# 2,000 transitions of a jobs run beside them: the transitions' lateness with captures running.
captures_run() {
    local count=$1 worker_count=$2 user
    user=$(psql "$DATABASE_URL" -Atc "SELECT id FROM users WHERE username = 'bench_0'")
    python3 - "$STRIPE_API_BASE" "$count" >"$work/intents" <<'PY'
import json, sys, urllib.parse, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, count = sys.argv[1], int(sys.argv[2])
def call(path, fields):
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Authorization": "Bearer sk_test_bench"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)
def authorised(_):
    intent = call("/v1/payment_intents", {"amount": 1000, "currency": "usd", "capture_method": "manual", "payment_method_types[]": "card"})
    call(f"/v1/payment_intents/{intent['id']}", {"payment_method": "pm_card_visa"})
    confirmed = call(f"/v1/payment_intents/{intent['id']}/confirm", {})
    assert confirmed["status"] == "requires_capture", confirmed["status"]
    return intent["id"]
with ThreadPoolExecutor(4) as pool:
    for intent in pool.map(authorised, range(count)):
        print(intent)
PY
    # Due from 8 s on over 5 s, as the jobs run's transitions (written just after these).
    psql "$DATABASE_URL" -Atc "
        CREATE TEMP TABLE captures (id uuid, intent text, due timestamptz);
        INSERT INTO captures (intent) VALUES $(sed "s/.*/('&')/" "$work/intents" | paste -sd,);
        UPDATE captures SET id = gen_random_uuid(), due = now() + interval '9 seconds' + random() * interval '5 seconds';
        INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, status, auto_process_at, cancellable_until, created_at)
        SELECT id, '$user', 'Captures', 'captures@example.com', 'x', 10, 'USD', 'processing', now(), now(), now() FROM captures;
        INSERT INTO payments (order_id, provider, status, intent_id, amount, currency) SELECT id, 'stripe', 'authorized', intent, 10, 'USD' FROM captures;
        SELECT 'ZADD jobs:{payment_capture:' || $(partition_sql id) || '}:scheduled NX ' || ceil(extract(epoch FROM due) * 1000)::bigint || ' ' || id || chr(10) ||
               'HSET jobs:{payment_capture:' || $(partition_sql id) || '}:due ' || id || ' ' || ceil(extract(epoch FROM due) * 1000)::bigint || chr(10) ||
               'HSET jobs:{payment_capture:' || $(partition_sql id) || '}:created ' || id || ' ' || ceil(extract(epoch FROM now()) * 1000)::bigint FROM captures" |
        redis-cli -p $redis_port >/dev/null
    redis-cli -p $redis_port ZADD 'jobs:{payment_capture}:wakeups' 0 '*' >/dev/null
    beside_captures=$count jobs_run 2000 "$worker_count"
    for _ in $(seq 600); do
        [ "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_name = 'Captures' AND p.status = 'authorized'")" = 0 ] && break
        sleep 0.1
    done
    psql "$DATABASE_URL" -Atc "
        SELECT json_build_object('scenario', 'captures', 'captures', count(*), 'paid', count(*) FILTER (WHERE p.status = 'paid'),
          'per_second', round((count(*) FILTER (WHERE p.status = 'paid') / greatest(extract(epoch FROM max(p.updated_at) - min(p.created_at)) - 9, 0.001))::numeric, 0))
        FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_name = 'Captures'" >>"$rows"
    log "captures: $(tail -1 "$rows")"
}
if [ -z "${ONLY:-}" ] || [ "${ONLY:-}" = payments ]; then payments_run; fi

# MARK: report

report="$results/$(date +%Y-%m-%d-%H%M).md"
python3 bench/report.py "$rows" "$gateways" "$workers" "$duration" | tee "$report"
log "written to $report"
