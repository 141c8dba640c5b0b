-- GET /api/orders/{id}: a random order with its owner's token ("token id" per line).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local pairs_

function init(args)
    pairs_ = {}
    for _, line in ipairs(report.load("BENCH_ORDERS")) do
        local token, id = line:match("^(%S+) (%S+)$")
        pairs_[#pairs_ + 1] = { token, id }
    end
end

function request()
    local pick = pairs_[math.random(#pairs_)]
    return wrk.format("GET", "/api/orders/" .. pick[2], { ["Authorization"] = "Bearer " .. pick[1] })
end

done = report.done
