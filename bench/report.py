"""Turns the rows bench/run.sh collected (one JSON object per line) into the Markdown report."""
import json
import os
import subprocess
import sys

rows_path, gateways, workers, duration = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = [json.loads(line) for line in open(rows_path) if line.strip()]


def version(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, shell=True).stdout.strip().splitlines()[0]
    except Exception:
        return "?"


def table(title, columns, aligns):
    """Prints a section's heading and its table's head; `aligns` is the separator row's cells."""
    print()
    print(f"## {title}")
    print()
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join(aligns) + "|")


print(f"# Benchmark, {subprocess.run(['date', '-u', '+%Y-%m-%d %H:%M UTC'], capture_output=True, text=True).stdout.strip()}")
print()
print(f"- Machine: {os.cpu_count()} cores, everything (clients, gateway, workers, Postgres, Redis) on it.")
print(f"- {version('swift --version 2>&1')}; release build; {version('psql --version')}; {version('redis-server --version')}; {version('wrk --version 2>&1 | head -1')}")
transport = "Unix sockets" if os.environ.get("STORES_OVER") == "unix" else "loopback TCP"
print(f"- Stack: {gateways} gateway(s), {workers} worker(s); {duration} s per run; Postgres durable (fsync on), Redis AOF everysec; stores reached over {transport}.")
print()
print("## HTTP scenarios (wrk) against the same SQL on Postgres alone (pgbench)")
print()
print("| scenario | conns | req/s | p50 ms | p99 ms | p99.9 ms | errors | gateway CPU µs/req | gateway thread switches/req | gateway peak RSS MB | pgbench TPS | pgbench p99 ms | gateway / pgbench |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
pgbench = {(r["scenario"], r["connections"]): r["pgbench"] for r in rows if "pgbench" in r}
for r in rows:
    if "wrk" not in r or r["scenario"] == "callgrind":
        continue
    w = r["wrk"]
    # The stack floor's read is set against pgbench's run of the same statement, as get_order is.
    pg = pgbench.get((r["scenario"].removesuffix("_floor"), r["connections"]))
    ratio = f"{w['rps'] / pg['tps'] * 100:.0f} %" if pg and pg["tps"] else "–"
    cpu = f"{r['cpu_s']['gateway'] * 1e6 / w['requests']:.0f}" if "cpu_s" in r and w.get("requests") else "–"
    switched = f"{r['gateway_switches'] / w['requests']:.2f}" if r.get("gateway_switches") is not None and w.get("requests") else "–"
    print(f"| {r['scenario']} | {r['connections']} | {w['rps']:.0f} | {w['p50']:.1f} | {w['p99']:.1f} | {w['p999']:.1f} | {w['errors']} | {cpu} | {switched} | "
          f"{r['rss_mb']} | {pg['tps']:.0f} | {pg['p99']:.1f} | {ratio} |" if pg else
          f"| {r['scenario']} | {r['connections']} | {w['rps']:.0f} | {w['p50']:.1f} | {w['p99']:.1f} | {w['p999']:.1f} | {w['errors']} | {cpu} | {switched} | "
          f"{r['rss_mb']} | – | – | – |")
shared = [r for r in rows if "cpu_s" in r and r["scenario"] != "callgrind"]
if shared:
    # Everything shares the machine's cores: a gateway's request is worth as much as the
    # CPU of every party it makes work, so each is shown per request (per transaction for pgbench).
    table("Where the machine's CPU goes (µs per request or pgbench transaction; the rest: the load generator, the kernel's softirq, anything else)",
          ["scenario", "conns", "driven by", "gateway", "Postgres", "Redis", "rest", "machine", "machine busy"],
          ["---", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:"])
    for r in shared:
        cpu = r["cpu_s"]
        if "wrk" in r:
            count, seconds, driver = r["wrk"].get("requests", 0), r["wrk"].get("seconds", 0), "wrk"
        else:
            count, seconds, driver = r["pgbench"].get("transactions", 0), 0, "pgbench"
        if not count:
            continue
        seconds = seconds or float(duration)
        rest = cpu["machine"] - cpu["gateway"] - cpu["postgres"] - cpu["redis"]
        per = lambda value: f"{value * 1e6 / count:.0f}"
        busy = f"{cpu['machine'] / (seconds * (os.cpu_count() or 1)) * 100:.0f} %"
        print(f"| {r['scenario']} | {r['connections']} | {driver} | {per(cpu['gateway']) if driver == 'wrk' else '–'} | {per(cpu['postgres'])} | "
              f"{per(cpu['redis'])} | {per(rest)} | {per(cpu['machine'])} | {busy} |")
counted = [r for r in rows if r.get("scenario") == "callgrind"]
if counted:
    idle = next((r for r in rows if r.get("scenario") == "callgrind_idle"), None)
    idle_rate = idle["instructions"] / idle["seconds"] if idle else 0
    table("Instructions per request (a second gateway under valgrind's callgrind, one connection, a fixed count of requests)",
          ["scenario", "requests", "errors", "instructions per request", "seconds under callgrind", "of them the idle gateway's"],
          ["---", "---:", "---:", "---:", "---:", "---:"])
    for r in counted:
        w = r["wrk"]
        background = idle_rate * w["seconds"] / r["instructions"] * 100 if r["instructions"] else 0
        print(f"| {r['name']} | {w['requests']} | {w['errors']} | {r['instructions'] / max(w['requests'], 1):,.0f} | {w['seconds']:.1f} | {background:.1f} % |")
    if idle:
        print()
        print(f"Idle (nothing asked of it for {idle['seconds']} s): {idle_rate:,.0f} instructions/s (its timers, the event fan-out's reads, pool upkeep).")
for r in rows:
    if r.get("scenario") == "captures":
        print()
        print(f"Captures beside the transitions: {r['paid']} of {r['captures']} captured at localstripe, about {r['per_second']}/s from their first due time.")
for r in rows:
    if r.get("scenario") == "payment_intents":
        print()
        print(f"Payments on: {r['opened']} payments opened by the orders; the workers made {r['made']} intents at localstripe "
              f"during the {r['seconds']} s create_order_payments_on run ({r['made'] / r['seconds']:.0f}/s), the other {r['rest']} "
              f"in {r['rest_s']} s after it ({r['missing']} still missing then).")
for r in rows:
    if "redis" in r:
        print()
        print(f"Redis alone: {r['redis']['rps']:.0f} session-touch + rate-limit scripts/s at 64 connections (redis-benchmark).")
print()
print("## Delayed transitions (due uniformly over a window; 0.1 s is a burst: its rate is the ceiling)")
print()
print("| jobs | window s | offered /s | workers | beside them | Redis shards × partitions | applied | applied /s | lateness p50 ms | p99 ms | max ms | early | Postgres CPU (cores) | Redis CPU (cores; per node) | workers CPU (cores) | Redis commands per job |")
print("|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r.get("scenario") != "jobs":
        continue
    window = float(r.get("window", 5))
    nodes = f" ({r['redis_cpu_per_node']})" if r.get("redis_cpu_per_node") else ""
    print(f"| {r['jobs']} | {window:g} | {int(r['jobs'] / window)} | {r['workers']} | {'deliveries' if r.get('deliveries') else str(r['captures']) + ' captures' if r.get('captures') else '–'} | "
          f"{r.get('shards', 1)} × {r.get('partitions', '–')} | {r['applied']} | {r['per_second']} | "
          f"{r['p50']} | {r['p99']} | {r['max']} | {r['early']} | {r['postgres_cpu']} | {r['redis_cpu']}{nodes} | {r.get('workers_cpu', '–')} | {r.get('redis_commands_per_job', '–')} |")
deliveries = [r for r in rows if r.get("scenario") == "deliveries"]
if deliveries:
    print()
    print("## Deliveries (each transition's event to 3 webhook receivers on loopback and by email to the mail sink)")
    print()
    print("| workers | events | delivered | still owed | deliveries /s | webhook event → accepted p50 ms | p99 ms | email p50 ms | p99 ms | verified by the receivers | accepted by the sink |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in deliveries:
        print(f"| {r['workers']} | {r['events']} | {r['delivered']} | {r['owed']} | {r['per_second']} | {r['webhook_p50']} | {r['webhook_p99']} | "
              f"{r['email_p50']} | {r['email_p99']} | {r['received']} | {r['mailed']} |")
    cpu = [r for r in rows if r.get("scenario") == "delivery_cpu"]
    if cpu:
        print()
        print("CPU while they ran (cores, from the first due time to the last delivery):")
        print()
        print("| workers | seconds | workers' CPU | the Python peers' | Postgres | Redis | gateway |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for r in cpu:
            print(f"| {r['workers']} | {r['wall_s']} | {r['workers_cpu']} | {r['peers_cpu']} | {r['postgres_cpu']} | {r['redis_cpu']} | {r['gateway_cpu']} |")
for r in rows:
    if r.get("scenario") != "events":
        continue
    print()
    print("## Live events (open streams while orders are placed)")
    print()
    print(f"{r['streams']} streams ({r['staff_streams']} staff, the rest the bench customers'); orders placed at {r['events_per_s']:.0f}/s, one event each.")
    print()
    print("| phase | events received | commit → client p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for phase, summary in r["latency_ms"].items():
        print(f"| {phase} | {summary.get('events', 0)} | {summary.get('p50', '–')} | {summary.get('p99', '–')} | {summary.get('max', '–')} |")
    print()
    print(f"Deliveries expected: {r['expected_deliveries']}; lost: {r['lost']}; received twice: {r['duplicates']}; "
          f"gateway RSS per open stream: {r['rss_per_stream_kb']} KB.")
    commit, row = r.get("from_commit_ms"), r.get("row_to_commit_ms")
    if commit and commit.get("events"):
        print()
        print(f"Measured from each order's commit instead (Postgres commit timestamps), in the load phase: commit → client "
              f"p50 {commit['p50']} ms, p99 {commit['p99']} ms, max {commit['max']} ms over {commit['events']} deliveries; the event's "
              f"row time → its commit p50 {row['p50']} ms, p99 {row['p99']} ms (the rest of the create transaction).")
    inside = r.get("inside")
    if inside:
        pub, fan, cpu = inside["publication_ms"], inside["fanout_ms"], inside["cpu_cores"]
        print()
        print(f"Inside the gateway in the load phase (its histograms, as fine as their buckets): row written → in the Redis Stream "
              f"p50 {pub.get('p50', '–')} ms, p99 {pub.get('p99', '–')} ms; → fanned out to the streams p50 {fan.get('p50', '–')} ms, "
              f"p99 {fan.get('p99', '–')} ms"
              + (f"; → written to each client's connection p50 {inside['delivery_ms'].get('p50', '–')} ms, "
                 f"p99 {inside['delivery_ms'].get('p99', '–')} ms" if inside.get("delivery_ms") else "")
              + f". CPU in cores: gateway {cpu['gateway']}, Postgres {cpu['postgres']}, "
              f"Redis {cpu['redis']}, the stream clients {cpu['clients']} (of {os.cpu_count()}).")
