#!/usr/bin/env bash
# Runs a command with a stack's private stores, and leaves nothing running afterwards, however
# the command ends (passing, failing, a crashed test binary, Ctrl-C): first what its tests
# started and recorded under the run's children folder (private Redis servers, gateways and
# workers run as processes, whole local stacks), then the stores themselves.
#
#   ops/local/with-stores.sh STACK PG_PORT REDIS_PORT COMMAND [ARGUMENTS...]
#
# The command sees TEST_CHILDREN_DIR (.data/STACK/children): TestSupport records there a
# `redis-*` folder per private Redis (with its pidfile), a `process-PID` file per process and a
# `stack-NAME` file per local stack (ops/local/stack.sh) it starts. It also sees where the
# stores' Unix sockets are (TEST_POSTGRES_SOCKET_DIR, TEST_REDIS_SOCKET). Store options
# (PG_EXTRA_OPTS, PG_MAX_CONNECTIONS) pass through to ops/local/stores.sh.
set -uo pipefail

stack=${1:?usage: with-stores.sh STACK PG_PORT REDIS_PORT COMMAND...}
pg_port=${2:?postgres port}
redis_port=${3:?redis port}
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
children="$root/.data/$stack/children"

# Kills `pid` if it still runs `what` (a pid recorded long ago may belong to another program by now).
stop_pid() {
    local pid=$1 what=$2
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$what" || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# The pids of this checkout's processes matching `pattern` that were orphaned (their parent,
# a test binary, died): they are this run's, not a concurrent one's.
orphans() {
    local pid
    for pid in $(pgrep -f "$1" || true); do
        [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = 1 ] && echo "$pid"
    done
}

cleanup() {
    local status=$? file pid
    trap - EXIT INT TERM
    # A test binary outliving `swift test` (killed by a timeout), then a stack script it left
    # half-way (it would start what the stop below has already stopped).
    for pid in $(orphans "$root/.build/.*PackageTests.xctest"); do stop_pid "$pid" PackageTests.xctest; done
    for pid in $(orphans "$root/ops/local/stack.sh"); do stop_pid "$pid" stack.sh; done
    for file in "$children"/stack-*; do
        [ -e "$file" ] || continue
        STACK=${file##*/stack-} "$root/ops/local/stack.sh" stop >/dev/null 2>&1 || true
    done
    for file in "$children"/process-*; do
        [ -e "$file" ] || continue
        stop_pid "${file##*/process-}" "$(cat "$file")"
    done
    for file in "$children"/redis-*/redis.pid; do
        [ -e "$file" ] || continue
        stop_pid "$(cat "$file")" redis-server
    done
    rm -rf "$children"
    "$root/ops/local/stores.sh" stop "$stack" "$pg_port" "$redis_port" || true
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$children"
mkdir -p "$children"
"$root/ops/local/stores.sh" start "$stack" "$pg_port" "$redis_port" || exit $?
# The stores' Unix sockets, for the tests that reach them that way (TEST_POSTGRES_SOCKET_DIR,
# TEST_REDIS_SOCKET).
while IFS='=' read -r name value; do
    export "TEST_$name=$value"
done < <("$root/ops/local/stores.sh" sockets "$stack" "$pg_port" "$redis_port")
TEST_CHILDREN_DIR="$children" "$@"
