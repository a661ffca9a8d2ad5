-- tower.lua -- the system operations on the tower and on broadcasts: the
-- function tb_tower.
--
-- FCALL tb_tower 0 <prefix> <op> <now ms> args...  One op per call:
-- import, move, bc_create, bc_enqueue, take, ack, escalate, resume,
-- report.  The contract (arguments, return values, keys, stream entries)
-- is the section "The tower and broadcasts" of bot/scripts/README.md; keep
-- the two in step.  bc_create is in lib.lua, shared with tb_event (the
-- "/broadcast" command).
--
-- Part of the function library "towerbot" (lib.lua: how it is built, and
-- the rules).  This body runs once, at FUNCTION LOAD; tb_tower (at the
-- end) sets the per-call locals below from its args on every call.  The
-- body is one do ... end block, not indented.

do

-- Set from args by tb_tower at the start of every call.
local P, op, now_ms

-- The consumer group the daemon reads the queues with (README "ack").
local GROUP = 'tb'

-- Redis TIME in milliseconds: the one clock shared by every daemon.
local function time_ms()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function last_segment(path)
	return string.match(path, '([^/]*)$')
end

-- The parent path, or nil for a top-level node.
local function parent_of(path)
	return string.match(path, '^(.*)/[^/]*$')
end

-- The two lex ranges of the tower holding the chats of the subtree of p:
-- bound to p itself, then below it.
local function subtree_ranges(p)
	return { { '[' .. p .. '\t', '[' .. p .. '\t\255' },
		{ '[' .. p .. '/', '(' .. p .. '0' } }
end

-- bc_create is in lib.lua (shared with tb_event).

---------------------------------------------------------------------------
-- import: groups of 8 (path, name, kind, tags, adapter, chat, purpose,
-- identity)
---------------------------------------------------------------------------

local function node_ensure(path, kind, tags)
	if redis.call('EXISTS', P .. 'node:' .. path) == 0 then
		redis.call('HSET', P .. 'node:' .. path, 'name',
		    last_segment(path), 'kind', kind, 'tags', tags)
	end
	redis.call('ZADD', P .. 'nodes', 0, path)
end

local function op_import()
	local added, changed, unchanged = 0, 0, 0
	for i = 4, #ARGV - 7, 8 do
		local path, name, kind, tags = ARGV[i], ARGV[i + 1],
		    ARGV[i + 2], ARGV[i + 3]
		local a, c, purpose, identity = ARGV[i + 4], ARGV[i + 5],
		    ARGV[i + 6], ARGV[i + 7]
		if path == '' then
			-- validated by bot/: never happens; ignore the row
		elseif a == '' and c == '' then
			local k = P .. 'node:' .. path
			if name == '' then
				name = last_segment(path)
			end
			local v = redis.call('HMGET', k, 'name', 'kind', 'tags')
			if not v[1] and not v[2] and not v[3] then
				added = added + 1
			elseif v[1] ~= name or (v[2] or '') ~= kind or
			    (v[3] or '') ~= tags then
				changed = changed + 1
			else
				unchanged = unchanged + 1
			end
			redis.call('HSET', k, 'name', name, 'kind', kind, 'tags',
			    tags)
			redis.call('ZADD', P .. 'nodes', 0, path)
		else
			if purpose == '' then
				purpose = 'members'
			end
			local ident, robot = '', ''
			local cred = string.match(identity, '^robot:(.*)$')
			if cred then
				ident, robot = '~robot', cred
			else
				ident = string.gsub(identity, ';', ',')
			end
			local k = P .. 'chat:' .. a .. ':' .. c
			local v = redis.call('HMGET', k, 'node', 'purpose', 'title',
			    'ident', 'robot')
			if not v[1] or v[1] == '' then
				added = added + 1
			elseif v[1] ~= path or v[2] ~= purpose or
			    (v[3] or '') ~= name or (v[4] or '') ~= ident or
			    (v[5] or '') ~= robot then
				changed = changed + 1
			else
				unchanged = unchanged + 1
			end
			redis.call('HSET', k, 'node', path, 'purpose', purpose,
			    'title', name)
			if ident ~= '' then
				redis.call('HSET', k, 'ident', ident)
			elseif v[4] then
				redis.call('HDEL', k, 'ident')
			end
			if robot ~= '' then
				redis.call('HSET', k, 'robot', robot)
			elseif v[5] then
				redis.call('HDEL', k, 'robot')
			end
			local tail = '\t' .. a .. '\t' .. c
			if v[1] and v[1] ~= '' and v[1] ~= path then
				redis.call('ZREM', P .. 'tower', v[1] .. tail)
			end
			redis.call('ZADD', P .. 'tower', 0, path .. tail)
			node_ensure(path, kind, tags)
		end
	end
	return { added, changed, unchanged }
end

---------------------------------------------------------------------------
-- move: from, to
---------------------------------------------------------------------------

local function op_move()
	local from, to = ARGV[4] or '', ARGV[5] or ''
	if from == '' or to == '' or to == from or
	    string.sub(to, 1, #from + 1) == from .. '/' then
		return { -1, 0 }
	end
	if redis.call('EXISTS', P .. 'node:' .. to) == 1 or
	    redis.call('ZSCORE', P .. 'nodes', to) or
	    #redis.call('ZRANGEBYLEX', P .. 'nodes', '[' .. to .. '/',
	    '(' .. to .. '0', 'LIMIT', 0, 1) > 0 or
	    #redis.call('ZRANGEBYLEX', P .. 'tower', '[' .. to .. '\t',
	    '(' .. to .. '0', 'LIMIT', 0, 1) > 0 then
		return { -1, 0 }
	end
	local function moved(path)
		return to .. string.sub(path, #from + 1)
	end
	local nodes = {}
	if redis.call('ZSCORE', P .. 'nodes', from) then
		nodes[1] = from
	end
	for _, p in ipairs(redis.call('ZRANGEBYLEX', P .. 'nodes',
	    '[' .. from .. '/', '(' .. from .. '0')) do
		nodes[#nodes + 1] = p
	end
	-- Nodes without a nodes entry (bound before the tower existed) still
	-- have keys; the chats below carry their paths.
	local seen = {}
	for _, p in ipairs(nodes) do
		seen[p] = true
	end
	local chats = {}
	for _, r in ipairs(subtree_ranges(from)) do
		for _, mem in ipairs(redis.call('ZRANGEBYLEX', P .. 'tower',
		    r[1], r[2])) do
			chats[#chats + 1] = mem
			local path = string.match(mem, '^([^\t]*)\t')
			if path and not seen[path] then
				seen[path] = true
				nodes[#nodes + 1] = path
			end
		end
	end
	for _, p in ipairs(nodes) do
		local np = moved(p)
		for _, kind in ipairs({ 'node:', 'role:', 'bl:' }) do
			if redis.call('EXISTS', P .. kind .. p) == 1 then
				redis.call('RENAME', P .. kind .. p, P .. kind .. np)
			end
		end
		redis.call('ZREM', P .. 'nodes', p)
		redis.call('ZADD', P .. 'nodes', 0, np)
	end
	for _, mem in ipairs(chats) do
		local path, a, c = string.match(mem, '^([^\t]*)\t([^\t]*)\t(.*)$')
		local np = moved(path)
		redis.call('ZREM', P .. 'tower', mem)
		redis.call('ZADD', P .. 'tower', 0, np .. '\t' .. a .. '\t' .. c)
		redis.call('HSET', P .. 'chat:' .. a .. ':' .. c, 'node', np)
	end
	return { #nodes, #chats }
end

---------------------------------------------------------------------------
-- bc_enqueue: id, max
---------------------------------------------------------------------------

local function op_bc_enqueue()
	local id = ARGV[4] or ''
	local max = tonumber(ARGV[5] or '') or 1000
	if max < 1 then
		max = 1
	end
	local bk = P .. 'bc:' .. id
	local b = redis.call('HMGET', bk, 'origin', 'prio', 'text', 'state',
	    'cursor')
	if not b[1] or b[4] ~= 'enqueuing' then
		redis.call('SREM', P .. 'bc:enqueuing', id)
		return { 0, 1 }
	end
	local origin, cursor = b[1], b[5] or ''
	local pr = (b[2] == 'urgent') and 'u' or 'n'
	local name = redis.call('HGET', P .. 'node:' .. origin, 'name') or
	    last_segment(origin)
	local params = cjson.encode({ id = tonumber(id), text = b[3] or '',
		urgent = (pr == 'u') and 1 or 0, origin = name })
	local ranges = subtree_ranges(origin)
	local ri = 1
	if cursor ~= '' then
		if string.sub(cursor, 1, #origin + 1) == origin .. '\t' then
			ranges[1][1] = '(' .. cursor
		else
			ri = 2
			ranges[2][1] = '(' .. cursor
		end
	end
	local chats_k, done_k, lv_k = bk .. ':chats', bk .. ':done', bk .. ':lv'
	local at = tostring(now_ms)
	local n, examined = 0, 0
	local done = 0
	while true do
		local want = math.min(max - examined, 1000)
		if want <= 0 then
			break
		end
		local r = ranges[ri]
		local got = redis.call('ZRANGEBYLEX', P .. 'tower', r[1], r[2],
		    'LIMIT', 0, want)
		if #got > 0 then
			local fields = {}
			for i, mem in ipairs(got) do
				fields[i] = string.match(mem, '^[^\t]*\t(.*)$')
			end
			local vals = redis.call('HMGET', chats_k, unpack(fields))
			for i, f in ipairs(fields) do
				local v = vals[i]
				if v then
					local lvl, ident = string.match(v, '^(%d+)\t(.*)$')
					local a, c = string.match(f, '^([^\t]*)\t(.*)$')
					if ident == '~none' then
						-- no identity can reach it: failed now
						if redis.call('HSETNX', done_k, f, 'f') == 1 then
							redis.call('HINCRBY', lv_k, 'f:' .. lvl, 1)
						end
					else
						local robot, account = '', ident
						if ident == '~robot' then
							robot = redis.call('HGET', P .. 'chat:' ..
							    a .. ':' .. c, 'robot') or ''
						elseif ident == '_' then
							account = ''
						end
						redis.call('XADD', P .. 'q:' .. a .. ':' .. ident ..
						    ':' .. pr, '*', 'adapter', a, 'account',
						    account, 'chat', c, 'reply_to', '',
						    'mention', '', 'mention_name', '',
						    'key', 'broadcast', 'params', params,
						    'at', at, 'bc', id, 'lvl', lvl,
						    'robot', robot)
						n = n + 1
					end
				end
			end
			cursor = got[#got]
			r[1] = '(' .. cursor
			examined = examined + #got
		end
		if #got < want then
			if ri == 1 then
				ri = 2
			else
				done = 1
				break
			end
		end
	end
	if done == 1 then
		redis.call('HSET', bk, 'cursor', cursor, 'state', 'sent')
		redis.call('SREM', P .. 'bc:enqueuing', id)
	else
		redis.call('HSET', bk, 'cursor', cursor)
	end
	return { n, done }
end

---------------------------------------------------------------------------
-- take: adapter, account, period_us, burst, chat_period_us, chat_burst,
-- horizon_us, chat ids.  Reservations in microseconds, exactly
-- ratelimit_reserve() of core/ratelimit.h.
---------------------------------------------------------------------------

-- Redis TIME in microseconds (about 1.7e15: exact in a double).
local function time_us()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- A non-negative integer argument; default when missing or bad.
local function arg_uint(s, default)
	local n = tonumber(s or '')
	if not n or n ~= n or n < 0 then
		return default
	end
	return math.floor(n)
end

-- The earliest time a limiter (tat, period T, burst B) lets a send go.
local function rl_earliest(tat, T, B, now)
	if T == 0 then
		return now
	end
	local e = tat - (B - 1) * T
	if e > now then
		return e
	end
	return now
end

-- SET a limiter's tat (integer µs) with a TTL of a few periods beyond
-- it, at least 2 s: once it expires its tat is in the past, where a
-- missing key (0) gives the same answer.
local function rl_store(k, tat, T, now)
	local ttl = math.ceil((tat - now + 2 * T) / 1000)
	if ttl < 2000 then
		ttl = 2000
	end
	redis.call('SET', k, string.format('%d', tat), 'PX',
	    string.format('%d', ttl))
end

local function op_take()
	local a, acct = ARGV[4] or '', ARGV[5] or ''
	local T = arg_uint(ARGV[6], 0)
	local B = math.max(arg_uint(ARGV[7], 1), 1)
	local CT = arg_uint(ARGV[8], 0)
	local CB = math.max(arg_uint(ARGV[9], 1), 1)
	local H = arg_uint(ARGV[10], 0)
	local now = time_us()
	local ak = P .. 'rlu:a:' .. a .. ':' .. acct
	local atat, adirty = 0, false
	if T > 0 then
		atat = tonumber(redis.call('GET', ak) or '') or 0
	end
	local ctat, cdirty, corder = {}, {}, {}
	if CT > 0 and #ARGV >= 11 then
		local keys, uniq = {}, {}
		for i = 11, #ARGV do
			local c = ARGV[i]
			if not uniq[c] then
				uniq[c] = true
				corder[#corder + 1] = c
				keys[#keys + 1] = P .. 'rlu:c:' .. a .. ':' .. c
			end
		end
		local v = redis.call('MGET', unpack(keys))
		for i, c in ipairs(corder) do
			ctat[c] = tonumber(v[i] or '') or 0
		end
	end
	local out = {}
	local refused
	for i = 11, #ARGV do
		local c = ARGV[i]
		if refused then
			out[#out + 1] = refused
		else
			local s = rl_earliest(atat, T, B, now)
			if s - now > H then
				-- the account refuses: so does every chat after it
				refused = -math.max(s - now - H, 1)
				out[#out + 1] = refused
			else
				if CT > 0 then
					local sc = rl_earliest(ctat[c], CT, CB, now)
					if sc > s then
						s = sc
					end
				end
				if s - now > H then
					out[#out + 1] = -math.max(s - now - H, 1)
				else
					if T > 0 then
						atat = math.max(atat, s) + T
						adirty = true
					end
					if CT > 0 then
						ctat[c] = math.max(ctat[c], s) + CT
						cdirty[c] = true
					end
					out[#out + 1] = s - now
				end
			end
		end
	end
	if adirty then
		rl_store(ak, atat, T, now)
	end
	for _, c in ipairs(corder) do
		if cdirty[c] then
			rl_store(P .. 'rlu:c:' .. a .. ':' .. c, ctat[c], CT, now)
		end
	end
	return out
end

---------------------------------------------------------------------------
-- ack: groups of 6 (stream, entry id, bc id or '', adapter, chat, d|f)
---------------------------------------------------------------------------

local function op_ack()
	local n = 0
	local now
	local created = {}
	for i = 4, #ARGV - 5, 6 do
		local stream, eid, bid = ARGV[i], ARGV[i + 1], ARGV[i + 2]
		local a, c, res = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
		n = n + redis.call('XACK', stream, GROUP, eid)
		redis.call('XDEL', stream, eid)
		if bid ~= '' then
			local bk = P .. 'bc:' .. bid
			local f = a .. '\t' .. c
			local v = redis.call('HGET', bk .. ':chats', f)
			local lvl = v and string.match(v, '^(%d+)\t')
			if lvl and (res == 'd' or res == 'f') and
			    redis.call('HSETNX', bk .. ':done', f, res) == 1 then
				if res == 'f' then
					redis.call('HINCRBY', bk .. ':lv', 'f:' .. lvl, 1)
				else
					redis.call('HINCRBY', bk .. ':lv', 'd:' .. lvl, 1)
					now = now or time_ms()
					if created[bid] == nil then
						created[bid] = tonumber(redis.call('HGET', bk,
						    'created') or '') or now
					end
					local reach = now - created[bid]
					if reach < 0 then
						reach = 0
					end
					redis.call('ZADD', bk .. ':reach:' .. lvl, reach, f)
					local ck = P .. 'chat:' .. a .. ':' .. c
					local last = tonumber(redis.call('HGET', ck,
					    'lastbc') or '') or 0
					if tonumber(bid) and tonumber(bid) > last then
						redis.call('HSET', ck, 'lastbc', bid)
					end
					redis.call('HINCRBY', ck, 'bc_n', 1)
				end
			end
		end
	end
	return n
end

---------------------------------------------------------------------------
-- escalate: max
---------------------------------------------------------------------------

-- A person's display name: the registered real name, else the name of
-- their first identity, else #pid.  The memo (like liaisons_memo) lives
-- for one call: tb_tower empties it.
local person_names
local function person_name(pid)
	local n = person_names[pid]
	if n == nil then
		n = redis.call('HGET', P .. 'p:' .. pid, 'realname') or ''
		if n == '' then
			local v = redis.call('HMGET', P .. 'mid:' .. pid, 'adapter',
			    'user')
			if v[1] and v[2] then
				n = redis.call('HGET', P .. 'm:' .. v[1] .. ':' .. v[2],
				    'name') or ''
			end
		end
		if n == '' then
			n = '#' .. pid
		end
		person_names[pid] = n
	end
	return n
end

-- Liaisons of path, by name, sorted (role exactly liaison on path).
local liaisons_memo
local function liaisons_at(path)
	local l = liaisons_memo[path]
	if l == nil then
		l = {}
		local all = redis.call('HGETALL', P .. 'role:' .. path)
		for i = 1, #all, 2 do
			if all[i + 1] == 'liaison' then
				l[#l + 1] = person_name(all[i])
			end
		end
		table.sort(l)
		liaisons_memo[path] = l
	end
	return l
end

-- The chat an escalation to node p goes to: its council chat, else its
-- members chat; nil if none is bound to p.
local function node_chat(p)
	local best
	for _, mem in ipairs(redis.call('ZRANGEBYLEX', P .. 'tower',
	    '[' .. p .. '\t', '[' .. p .. '\t\255')) do
		local a, c = string.match(mem, '^[^\t]*\t([^\t]*)\t(.*)$')
		local v = redis.call('HMGET', P .. 'chat:' .. a .. ':' .. c,
		    'purpose', 'ident', 'accts', 'robot')
		local cand = { a = a, c = c, ident = v[2] or '', accts = v[3] or '',
			robot = v[4] or '' }
		if v[1] == 'council' then
			return cand
		end
		best = best or cand
	end
	return best
end

local function op_escalate()
	local max = tonumber(ARGV[4] or '') or 100
	local now = time_ms()
	local due = redis.call('ZRANGEBYSCORE', P .. 'bc:escalate', '-inf', now,
	    'LIMIT', 0, max)
	local out = {}
	for _, id in ipairs(due) do
		if redis.call('ZREM', P .. 'bc:escalate', id) == 1 then
			out[#out + 1] = id
			local bk = P .. 'bc:' .. id
			redis.call('HSET', bk, 'escalated', now)
			local acked = {}
			for _, f in ipairs(redis.call('SMEMBERS', bk .. ':ackc')) do
				acked[f] = true
			end
			local groups, parents = {}, {}
			local all = redis.call('HGETALL', bk .. ':chats')
			for i = 1, #all, 2 do
				local f = all[i]
				if not acked[f] then
					local a, c = string.match(f, '^([^\t]*)\t(.*)$')
					local v = redis.call('HMGET', P .. 'chat:' .. a ..
					    ':' .. c, 'node', 'title')
					local node = v[1] or ''
					local parent = parent_of(node)
					if parent then
						if not groups[parent] then
							groups[parent] = {}
							parents[#parents + 1] = parent
						end
						local names = {}
						local s = node
						while s and #s > #parent do
							for _, nm in ipairs(liaisons_at(s)) do
								names[#names + 1] = nm
							end
							s = parent_of(s)
						end
						local title = v[2] or ''
						if title == '' then
							title = c
						end
						local g = groups[parent]
						g[#g + 1] = { chat = title, node = node,
							liaisons = table.concat(names, ',') }
					end
				end
			end
			table.sort(parents)
			for _, parent in ipairs(parents) do
				local dest = node_chat(parent)
				if dest then
					local items = groups[parent]
					table.sort(items, function(x, y)
						if x.node ~= y.node then
							return x.node < y.node
						end
						return x.chat < y.chat
					end)
					local ident = string.match(dest.ident, '^([^,]*)') or ''
					if ident == '' or (ident == '~robot' and
					    dest.robot == '') then
						ident = string.match(dest.accts, '^([^,]*)') or ''
					end
					if ident == '' then
						ident = '_'
					end
					local account, robot = ident, ''
					if ident == '_' then
						account = ''
					elseif ident == '~robot' then
						robot = dest.robot
					end
					redis.call('XADD', P .. 'q:' .. dest.a .. ':' .. ident ..
					    ':u', '*', 'adapter', dest.a, 'account', account,
					    'chat', dest.c, 'reply_to', '', 'mention', '',
					    'mention_name', '', 'key', 'escalation',
					    'params', cjson.encode({ id = tonumber(id),
					    count = #items, items = items }),
					    'at', now, 'bc', id, 'lvl', '', 'robot', robot)
				end
			end
		end
	end
	return out
end

-- report: the figures of one broadcast for the admin API (bot/api.c):
-- {id, text, created ms, then per level: level, targeted, delivered,
-- failed, pending, p50 ms, p95 ms, max ms, ack chats, ack members}, or {}
-- for an unknown id.  Percentiles are nearest-rank, as /report's.
local function op_report()
	local id = ARGV[4] or ''
	local fig = string.match(id, '^%d+$') and bc_figures(P, id)
	if not fig then
		return {}
	end
	local out = { tonumber(id), fig.text, fig.created }
	for _, r in ipairs(fig.levels) do
		local row = { r.level, r.targeted, r.delivered, r.failed,
			r.pending, math.floor(r.p50), math.floor(r.p95),
			math.floor(r.max), r.ack_chats, r.ack_members }
		for _, v in ipairs(row) do
			out[#out + 1] = v
		end
	end
	return out
end

---------------------------------------------------------------------------
-- tb_tower: dispatch
---------------------------------------------------------------------------

local function op_bc_create()
	local function a(i)
		return ARGV[3 + i] or ''
	end
	return bc_create(P, now_ms, a(1), a(2), a(3), a(4), a(5), a(6), a(7),
	    a(8), a(9), a(10), a(11))
end

local function op_resume()
	local ids = redis.call('SMEMBERS', P .. 'bc:enqueuing')
	table.sort(ids, function(x, y)
		return (tonumber(x) or 0) < (tonumber(y) or 0)
	end)
	return ids
end

local OPS = { import = op_import, move = op_move, bc_create = op_bc_create,
	bc_enqueue = op_bc_enqueue, take = op_take, ack = op_ack,
	escalate = op_escalate, report = op_report, resume = op_resume }

local function tb_tower(_, args)
	ARGV = args
	P = args[1] or ''
	op = args[2] or ''
	now_ms = tonumber(args[3] or '') or 0
	person_names, liaisons_memo = {}, {}
	local f = OPS[op]
	if not f then
		return redis.error_reply('tb_tower: unknown op ' .. op)
	end
	return f()
end

redis.register_function('tb_tower', tb_tower)

end -- tower.lua
