-- GET /api/orders/my?size=20 as a random customer.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local tokens

function init(args) tokens = report.load("BENCH_TOKENS") end

function request()
    return wrk.format("GET", "/api/orders/my?size=20", { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] })
end

done = report.done
