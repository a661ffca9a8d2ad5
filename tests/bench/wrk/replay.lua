-- replay.lua -- wrk script for tests/bench/platforms.sh: replays signed
-- webhooks precomputed by bench_sign (tests/bench/sign.c), because wrk's
-- Lua has no HMAC, SHA or AES.  Thread i reads PREFIX.i one line per
-- request: PATH<TAB>Header: value<TAB>...<TAB>BODY, POSTed as is.  At the
-- end of a file the thread starts it again and counts a wrap (the
-- requests after a wrap are duplicates: platforms.sh reports wraps so a
-- run that ran out of distinct requests is seen).
--
-- wrk -t N -s replay.lua URL -- PREFIX
-- done() prints one line: "BENCH requests=... rps=... p50_ms=... ...
-- wraps=..."

local nthreads = 0
local threads = {}

local prefix, me, f = nil, 0, nil
wraps = 0

function setup(thread)
   thread:set("tid", nthreads)
   nthreads = nthreads + 1
   threads[#threads + 1] = thread
end

local function open()
   f = assert(io.open(prefix .. "." .. me, "r"))
end

function init(args)
   me = rawget(_G, "tid") or 0 -- set by setup() in this thread
   prefix = assert(args[1], "usage: wrk ... -- PREFIX")
   open()
end

function request()
   local line = f:read("*l")
   if line == nil then
      f:close()
      open()
      wraps = wraps + 1
      line = assert(f:read("*l"), "empty request file")
   end
   local fields = {}
   for s in string.gmatch(line, "[^\t]+") do
      fields[#fields + 1] = s
   end
   local headers = {}
   for i = 2, #fields - 1 do
      local k, v = string.match(fields[i], "^([^:]+): (.*)$")
      headers[k] = v
   end
   return wrk.format("POST", fields[1], headers, fields[#fields])
end

function done(summary, latency, requests)
   local e = summary.errors
   local w = 0
   for _, t in ipairs(threads) do
      w = w + (t:get("wraps") or 0)
   end
   io.write(string.format("BENCH requests=%d duration_s=%.3f rps=%.1f " ..
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d " ..
      "sockerr=%d wraps=%d\n",
      summary.requests, summary.duration / 1e6,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.status,
      e.connect + e.read + e.write + e.timeout, w))
end
