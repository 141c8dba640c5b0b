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


class Stream(asyncio.Protocol):
    """One stream, read as its bytes arrive: the arrival time is taken when the event loop hands
    over the socket's data, before any parsing, so the client's own parsing and scheduling (1,000
    streams in one Python process) are not counted as the platform's latency."""

    def __init__(self, host, token, index, opened, record):
        self.request = (
            f"GET /api/events/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Accept: text/event-stream\r\n\r\n".encode()
        )
        self.index, self.opened, self.record = index, opened, record
        self.buffer, self.pending, self.head = b"", b"", False
        self.ids, self.latencies, self.arrivals = [], [], []
        self.done = asyncio.get_running_loop().create_future()
        self.failure = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = time.time()
        self.buffer += data
        if not self.head:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.buffer[: self.buffer.find(b"\r\n")]
            if b" 200 " not in status + b" ":
                self.failure = RuntimeError(f"stream {self.index}: {self.buffer[:80]!r}")
                self.transport.close()
                return
            self.head, self.buffer = True, self.buffer[end + 4 :]
            self.opened.append(self.index)
        # Chunked: a size line, then the chunk and its CRLF.
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.buffer[:line_end].split(b";")[0], 16)
            if size == 0:
                self.transport.close()
                return
            if len(self.buffer) < line_end + 2 + size + 2:
                return
            self.pending += self.buffer[line_end + 2 : line_end + 2 + size]
            self.buffer = self.buffer[line_end + 2 + size + 2 :]
            while b"\n\n" in self.pending:
                frame, self.pending = self.pending.split(b"\n\n", 1)
                self.frame(frame, now)

    def frame(self, frame, now):
        match = ID.search(frame)
        if not match:
            return
        at = AT.search(frame)
        if at:
            when = datetime.datetime.fromisoformat(at.group(1).decode()).timestamp()
            self.latencies.append((PHASE[0], (now - when) * 1000))
        position = int(match.group(1))
        self.ids.append(position)
        if PHASE[0] == "load":
            self.arrivals.append((position, now))

    def connection_lost(self, exc):
        self.record[self.index] = (self.ids, self.latencies, self.arrivals)
        if not self.done.done():
            self.done.set_result(None)


async def stream(host, port, token, index, opened, record, streams):
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: Stream(host, token, index, opened, record), host, port)
    streams[index] = protocol
    await protocol.done
    if protocol.failure:
        raise protocol.failure


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    customer_tokens = [l.strip() for l in open(sys.argv[3]) if l.strip()]
    staff_tokens = [l.strip() for l in open(sys.argv[4]) if l.strip()]
    total, staff = int(sys.argv[5]), int(sys.argv[6])
    ready_file, stop_file, out_file = sys.argv[7], sys.argv[8], sys.argv[9]
    record, opened, tasks, who, streams = {}, [], [], {}, {}
    for i in range(total):
        if i < staff:
            token = staff_tokens[i % len(staff_tokens)]
            who[i] = ("staff", None)
        else:
            n = (i - staff) % len(customer_tokens)
            token = customer_tokens[n]
            who[i] = ("customer", n)
        tasks.append(asyncio.create_task(stream(host, port, token, i, opened, record, streams)))
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
    # Each stream records what it saw as its connection closes.
    for protocol in streams.values():
        protocol.transport.close()
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
