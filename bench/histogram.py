"""Percentiles of one Prometheus histogram between two scrapes of /metrics.

Usage: histogram.py BEFORE AFTER NAME. Prints JSON {count, p50, p99} in milliseconds, each
interpolated within its bucket (so only as fine as the buckets: ServiceProcess.durationBuckets).
"""
import json
import re
import sys

LINE = re.compile(r'^(\w+)_bucket\{(?:.*,)?le="([^"]+)"(?:,.*)?\} (\S+)$')


def buckets(path, name):
    counts = {}
    for line in open(path):
        match = LINE.match(line.strip())
        if match and match.group(1) == name:
            bound = float("inf") if match.group(2) == "+Inf" else float(match.group(2))
            counts[bound] = counts.get(bound, 0) + float(match.group(3))
    return counts


def percentile(cumulative, share):
    total = cumulative[-1][1]
    target = share * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= target:
            if bound == float("inf"):
                return lower_bound * 1000
            inside = (target - lower_count) / (count - lower_count) if count > lower_count else 0
            return round((lower_bound + (bound - lower_bound) * inside) * 1000, 1)
        lower_bound, lower_count = bound, count
    return None


before, after = buckets(sys.argv[1], sys.argv[3]), buckets(sys.argv[2], sys.argv[3])
cumulative = sorted((bound, count - before.get(bound, 0)) for bound, count in after.items())
if not cumulative or cumulative[-1][1] <= 0:
    print(json.dumps({"count": 0}))
else:
    print(json.dumps({"count": int(cumulative[-1][1]), "p50": percentile(cumulative, 0.5), "p99": percentile(cumulative, 0.99)}))
