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
function report.load(name)
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
    return report.lines(os.getenv(name))
end

return report
