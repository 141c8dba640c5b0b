-- The live-events scenario's change rate: orders placed as in create_order.lua, each connection
-- pausing between requests (BENCH_EVENTS_DELAY_MS) so that N connections make about
-- N * 1000 / (delay + answer time) changes a second; each change is one event.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local create = dofile(os.getenv("BENCH_DIR") .. "/create_order.lua")
local pause = tonumber(os.getenv("BENCH_EVENTS_DELAY_MS") or "20")

function delay() return pause end
