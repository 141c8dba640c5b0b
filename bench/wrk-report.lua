-- Shared by the scenarios: prints one JSON line the driver reads (requests/s, latency
-- percentiles in ms, errors = socket errors + responses of 400 and up).
local report = {}

function report.done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout + summary.errors.status
    io.write(string.format(
        'BENCH {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50": %.2f, "p99": %.2f, "p999": %.2f, "errors": %d, "status_errors": %d}\n',
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
        errors, summary.errors.status))
end

-- Lines of a file, for tokens and ids the driver wrote.
function report.lines(path)
    local lines = {}
    for line in io.lines(path) do lines[#lines + 1] = line end
    return lines
end

-- The lines of the file named by environment variable `name`, with the thread's random
-- numbers seeded apart from the other threads'.
-- (BENCH_SEED: one seed, so a counted run asks for the same things each time.)
function report.load(name)
    math.randomseed(tonumber(os.getenv("BENCH_SEED") or "") or os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
    return report.lines(os.getenv(name))
end

-- BENCH_REQUESTS (the instruction counts' runs: one thread, one connection): wrk stops after
-- that many responses, so a run is a fixed number of requests however slow the server is. Unset,
-- no `response` is defined and wrk does not parse the bodies.
local limit = tonumber(os.getenv("BENCH_REQUESTS") or "")
if limit then
    local answered = 0
    response = function()
        answered = answered + 1
        if answered == limit then
            wrk.thread:stop()
            -- wrk's main thread would sleep out the whole -d: SIGINT ends its wait, and it reports.
            -- (Sent from the background: system() ignores SIGINT in wrk until its shell returns.)
            os.execute("(sleep 0.2; kill -INT $PPID) &")
        end
    end
end

return report
