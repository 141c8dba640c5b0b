#!/usr/bin/env bash
# Keeps one app process running, as systemd's `Restart=on-failure` does for the units in
# ops/systemd: a process that crashes or is killed is started again a second later; one that
# exits 0 (a graceful stop) or 78 (bad configuration: restarting cannot help) is not.
#
#   ops/local/supervise.sh RUN_DIR NAME PROGRAM
#
# Writes the running process's pid to RUN_DIR/NAME.pid and a line per restart to
# RUN_DIR/NAME.restarts; stops for good once RUN_DIR/NAME.stopping exists (stack.sh's stop).
# Its output (and the program's) goes wherever the caller sent it: the process's log.
set -u
run=$1 name=$2 program=$3
trap '' HUP

while :; do
    "$program" </dev/null &
    child=$!
    echo "$child" >"$run/$name.pid"
    # A TERM for the supervisor is meant for the program.
    trap 'kill -TERM "$child" 2>/dev/null' TERM
    wait "$child"
    status=$?
    # `wait` returns early when a trapped signal arrives: wait for the program's own status.
    while kill -0 "$child" 2>/dev/null; do
        wait "$child"
        status=$?
    done
    trap - TERM
    [ -e "$run/$name.stopping" ] && exit 0
    case $status in
    0 | 78)
        echo "supervisor: $name exited with status $status; not restarting"
        exit "$status"
        ;;
    esac
    echo "$(date -u +%FT%T.%3NZ) supervisor: $name exited with status $status; restarting in 1 s"
    echo "$(date +%s.%N) $status" >>"$run/$name.restarts"
    sleep 1
done
