"""The live-events benchmark's clients: N Server-Sent Events streams held open at once.

Opens the streams (customers' tokens and some staff tokens, round robin), waits until all are
live, touches `ready`, then reads until `stop` exists. For every event it notes the latency from
the event's `at` (the time its row was written, just before the commit) to its arrival. At the
end it writes JSON: streams, events received, latency percentiles, and per stream the ids seen,
which run.sh compares with Postgres (lost = ids a stream should have seen and did not).
"""
import asyncio
import datetime
import json
import os
import re
import sys
import time

PHASE = ["load"]
AT = re.compile(rb'"at":"([^"]+)"')
ID = re.compile(rb"^id: (\d+)$", re.M)


def summary(values):
    """Count, p50, p99 and max of latencies in ms (run.sh's report uses it too)."""
    values = sorted(values)
    if not values:
        return {"events": 0}
    pick = lambda p: round(values[min(len(values) - 1, int(len(values) * p))], 1)
    return {"events": len(values), "p50": pick(0.5), "p99": pick(0.99), "max": round(values[-1], 1)}


async def stream(host, port, token, ready, stop, record, index, opened):
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    writer.write(
        f"GET /api/events/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"stream {index}: {head[:80]!r}")
    opened.append(index)
    ids, latencies, arrivals = [], [], []
    pending = b""
    try:
        while not stop.is_set():
            # Chunked: size line, then the chunk.
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            chunk = await reader.readexactly(size + 2)
            pending += chunk[:-2]
            while b"\n\n" in pending:
                frame, pending = pending.split(b"\n\n", 1)
                match = ID.search(frame)
                if not match:
                    continue
                now = time.time()
                at = AT.search(frame)
                if at:
                    when = datetime.datetime.fromisoformat(at.group(1).decode()).timestamp()
                    latencies.append((PHASE[0], (now - when) * 1000))
                position = int(match.group(1))
                ids.append(position)
                if PHASE[0] == "load":
                    arrivals.append((position, now))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
        record[index] = (ids, latencies, arrivals)


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    customer_tokens = [l.strip() for l in open(sys.argv[3]) if l.strip()]
    staff_tokens = [l.strip() for l in open(sys.argv[4]) if l.strip()]
    total, staff = int(sys.argv[5]), int(sys.argv[6])
    ready_file, stop_file, out_file = sys.argv[7], sys.argv[8], sys.argv[9]
    stop = asyncio.Event()
    record, opened, tasks, who = {}, [], [], {}
    for i in range(total):
        if i < staff:
            token = staff_tokens[i % len(staff_tokens)]
            who[i] = ("staff", None)
        else:
            n = (i - staff) % len(customer_tokens)
            token = customer_tokens[n]
            who[i] = ("customer", n)
        tasks.append(asyncio.create_task(stream(host, port, token, None, stop, record, i, opened)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    while len(opened) < total:
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
        await asyncio.sleep(0.05)
    open(ready_file, "w").close()
    opened_at = time.time()
    phase_file = ready_file + ".phase"
    while not os.path.exists(stop_file):
        if os.path.exists(phase_file):
            PHASE[0] = open(phase_file).read().strip() or PHASE[0]
        await asyncio.sleep(0.1)
    stop.set()
    # Streams wake at their next event or heartbeat; don't wait for quiet ones.
    await asyncio.wait(tasks, timeout=2)
    for t in tasks:
        t.cancel()
    # Each stream records what it saw as it ends (cancelled ones too): wait for all of them.
    await asyncio.gather(*tasks, return_exceptions=True)
    by_phase = {}
    for ids, lat, _ in record.values():
        for phase, value in lat:
            by_phase.setdefault(phase, []).append(value)

    json.dump(
        {
            "streams": total,
            "staff_streams": staff,
            "opened_at": opened_at,
            "latency_ms": {phase: summary(values) for phase, values in by_phase.items()},
            "per_stream": {
                str(i): {"who": who[i][0], "customer": who[i][1], "ids": record.get(i, ([], [], []))[0], "arrivals": record.get(i, ([], [], []))[2]}
                for i in range(total)
            },
        },
        open(out_file, "w"),
    )


if __name__ == "__main__":
    asyncio.run(main())
