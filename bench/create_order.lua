-- POST /api/orders: three lines of random products, a random customer's token, and an
-- Idempotency-Key no other request uses.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local tokens, skus
local counter, prefix = 0, ""

function init(args)
    tokens = report.load("BENCH_TOKENS")
    skus = report.lines(os.getenv("BENCH_SKUS"))
    prefix = string.format("%x-%x", os.time(), math.random(1, 2^30))
end

function request()
    counter = counter + 1
    local a, b, c = skus[math.random(#skus)], skus[math.random(#skus)], skus[math.random(#skus)]
    local body = string.format(
        '{"customer_name":"Bench","customer_email":"bench@example.com","shipping_address":"1 Bench Road",' ..
        '"items":[{"product_sku":"%s","quantity":1},{"product_sku":"%s","quantity":2},{"product_sku":"%s","quantity":1}]}',
        a, b, c)
    return wrk.format("POST", "/api/orders", {
        ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = prefix .. "-" .. counter,
    }, body)
end

done = report.done
