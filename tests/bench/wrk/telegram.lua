-- telegram.lua -- wrk script for tests/bench/run.sh: POSTs Telegram
-- updates as the Bot API would (secret header, supergroup message JSON
-- shaped like tests/fixtures/telegram), each with a unique update_id:
-- OFFSET + thread number * 1e9 + a per-thread counter.  One request in
-- five is "/signup" (with its bot_command entity), the others plain chat
-- lines, from USERS distinct users in CHATS chats; chat i (1..CHATS) has
-- id -1001000000000 - i, as run.sh assumes when it opens the activities.
-- A user talks in the two chats they are a member of (member_chat); a
-- "/signup" comes from any user in any chat, so that nearly every one
-- signs someone new up.
--
-- wrk -s telegram.lua URL -- OFFSET SECRET USERS CHATS
-- done() prints one line: "BENCH requests=... rps=... p50_ms=... ..."

local nthreads = 0

local offset, secret, users, chats = 0, "bench_secret", 3000, 300
local me, n = 0, 0

local lines = {
   "good morning everyone",
   "who is coming on Saturday?",
   "I can bring the projector",
   "see you at the community hall",
   "thanks for organising this",
   "is parking available nearby?",
   "running ten minutes late, sorry",
   "great photos from last week!",
}

local fmt = '{"update_id":%.0f,"message":{"message_id":%.0f,' ..
   '"from":{"id":%.0f,"is_bot":false,"first_name":"User%.0f",' ..
   '"last_name":"Bench","username":"user%.0f","language_code":"en"},' ..
   '"chat":{"id":%.0f,"title":"Bench chat %.0f","type":"supergroup"},' ..
   '"date":1700000000,"text":"%s"%s}}'

local signup_entities = ',"entities":[{"offset":0,"length":7,' ..
   '"type":"bot_command"}]'

function setup(thread)
   thread:set("tid", nthreads)
   nthreads = nthreads + 1
end

function init(args)
   me = rawget(_G, "tid") or 0 -- set by setup() in this thread
   offset = tonumber(args[1] or "0")
   secret = args[2] or secret
   users = tonumber(args[3] or users)
   chats = tonumber(args[4] or chats)
   math.randomseed(offset / 1e9 + me * 7919 + 1)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = secret
end

-- The k-th (1 or 2) of the two chats user u is a member of.
function member_chat(u, k)
   if k == 1 then
      return (u % chats) + 1
   end
   return ((u * 7 + 3) % chats) + 1
end

function request()
   local user, chat, text, ent
   n = n + 1
   user = math.random(users)
   if n % 5 == 0 then
      chat = math.random(chats)
      text, ent = "/signup", signup_entities
   else
      chat = member_chat(user, math.random(2))
      text, ent = lines[(n % #lines) + 1], ""
   end
   return wrk.format(nil, nil, nil, string.format(fmt,
      offset + me * 1e9 + n, n, 200000000 + user, user, user,
      -1001000000000 - chat, chat, text, ent))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("BENCH requests=%d duration_s=%.3f rps=%.1f " ..
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d " ..
      "sockerr=%d\n",
      summary.requests, summary.duration / 1e6,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.status,
      e.connect + e.read + e.write + e.timeout))
end
