-- GET /health/live: the framework's ceiling on this machine.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
wrk.path = "/health/live"
done = report.done
