-- towerbot.lua -- one inbound event, one round trip.
--
-- Dedupes the event, records the sender, applies the command and queues
-- every reply as a message key + params, all atomically (SPEC section 3,
-- "atomic in the store").  The contract (ARGV layout, return value, reply
-- stream entries, message keys, key schema) is bot/scripts/README.md; keep
-- the two in step.  Never raise: bad input gets a reply key, not an error.

---------------------------------------------------------------------------
-- Arguments
---------------------------------------------------------------------------

local P = ARGV[1] or ''
local now_ms_s = ARGV[2] or ''
local now_ms = tonumber(now_ms_s)
if not now_ms or not string.match(now_ms_s, '^%d+$') then
	return { 'ok', 'bad_args', '' }
end
local now = math.floor(now_ms / 1000)

local function split(s, sep)
	local out = {}
	if s == nil or s == '' then
		return out
	end
	for part in string.gmatch(s .. sep, '(.-)' .. sep) do
		out[#out + 1] = part
	end
	return out
end

-- ARGV[3], in this order (SPEC section 3 defaults).
local COV_NAMES = { 'absence_limit', 'restriction_activities',
	'warn_expiry_days', 'credit_initial', 'credit_attended',
	'credit_absent', 'credit_late_cancel', 'credit_remind', 'credit_warn',
	'credit_blacklist', 'late_cancel_hours', 'checkin_before_minutes' }
local COV_DEFAULTS = { 3, 1, 90, 100, 2, -10, -3, -2, -5, -20, 2, 60 }
local C = {}
do
	local given = split(ARGV[3] or '', ',')
	for i, name in ipairs(COV_NAMES) do
		local v = tonumber(given[i] or '')
		C[name] = v or COV_DEFAULTS[i]
	end
end
local LADDER = split(ARGV[4] or '', ',')
if #LADDER == 0 then
	LADDER = { 'remind', 'warn', 'blacklist' }
end

local adapter = ARGV[5] or ''
local account = ARGV[6] or ''
local event_id = ARGV[7] or ''
local chat = ARGV[8] or ''
local user = ARGV[9] or ''
local uname_arg = ARGV[10] or ''
local uhandle_arg = ARGV[11] or ''
local msg_id = ARGV[12] or ''
local is_operator = ARGV[13] == '1'
local op = ARGV[14] or ''
local tkind = ARGV[15] or ''
local tvalue = ARGV[16] or ''
local tname = ARGV[17] or ''
local thandle = ARGV[18] or ''
local function arg(i)
	return ARGV[18 + i] or ''
end

-- Strict integer parse: tonumber() alone accepts "0x10", "1e3", " 5".
local function toint(s)
	if type(s) ~= 'string' or #s > 15 or not string.match(s, '^[+-]?%d+$') then
		return nil
	end
	return tonumber(s)
end

-- A non-negative decimal (volunteer hours).
local function todec(s)
	if type(s) ~= 'string' or #s > 15 or
	    not string.match(s, '^%d+%.?%d*$') then
		return nil
	end
	return tonumber(s)
end

local function num(v, default)
	return tonumber(v or '') or default
end

---------------------------------------------------------------------------
-- Replies: one stream entry per message (README "Replies")
---------------------------------------------------------------------------

local function queue(q_adapter, q_chat, reply_to, mention, mention_name, key,
    params)
	local acc = ''
	if q_adapter == adapter then
		acc = account
	end
	local qacc = acc
	if qacc == '' then
		qacc = '_'
	end
	redis.call('XADD', P .. 'q:' .. q_adapter .. ':' .. qacc .. ':u', '*',
	    'adapter', q_adapter, 'account', acc, 'chat', q_chat,
	    'reply_to', reply_to, 'mention', mention or '',
	    'mention_name', mention_name or '', 'key', key,
	    'params', cjson.encode(params or {}), 'at', now_ms_s)
end

-- The answer to the sender, quoting their message.
local function reply(key, params)
	queue(adapter, chat, msg_id, '', '', key, params)
end

---------------------------------------------------------------------------
-- Members and persons (README "Keys")
---------------------------------------------------------------------------

local function mkey(a, u)
	return P .. 'm:' .. a .. ':' .. u
end

-- Create or refresh the identity (a, u).  The hot path for plain messages:
-- one HMGET, and one HSET only when something changed (seen is kept to the
-- minute).  Returns { id, pid, name, username }.
local function member_upsert(a, u, name, handle, touch)
	local k = mkey(a, u)
	local v = redis.call('HMGET', k, 'id', 'pid', 'name', 'username',
	    'seen')
	if not v[1] then
		local id = redis.call('INCR', P .. 'seq:member')
		redis.call('HSET', k, 'id', id, 'pid', id, 'name', name,
		    'username', handle, 'seen', touch and now or 0)
		redis.call('HSET', P .. 'mid:' .. id, 'adapter', a, 'user', u)
		if handle ~= '' then
			redis.call('SET', P .. 'uname:' .. a .. ':' ..
			    string.lower(handle), u)
		end
		return { id = tostring(id), pid = tostring(id), name = name,
			username = handle }
	end
	local m = { id = v[1], pid = v[2] or v[1], name = v[3] or '',
		username = v[4] or '' }
	local set = {}
	if name ~= '' and name ~= m.name then
		set[#set + 1] = 'name'
		set[#set + 1] = name
		m.name = name
	end
	if handle ~= '' and handle ~= m.username then
		if m.username ~= '' then
			local old = P .. 'uname:' .. a .. ':' ..
			    string.lower(m.username)
			if redis.call('GET', old) == u then
				redis.call('DEL', old)
			end
		end
		redis.call('SET', P .. 'uname:' .. a .. ':' ..
		    string.lower(handle), u)
		set[#set + 1] = 'username'
		set[#set + 1] = handle
		m.username = handle
	end
	if touch and now - num(v[5], 0) >= 60 then
		set[#set + 1] = 'seen'
		set[#set + 1] = now
	end
	if #set > 0 then
		redis.call('HSET', k, unpack(set))
	end
	return m
end

local function member_get(a, u)
	local v = redis.call('HMGET', mkey(a, u), 'id', 'pid', 'name',
	    'username')
	if not v[1] then
		return nil
	end
	return { adapter = a, user = u, id = v[1], pid = v[2] or v[1],
		name = v[3] or '', username = v[4] or '' }
end

local function member_label(m)
	if m.name ~= '' then
		return m.name
	end
	if m.username ~= '' then
		return '@' .. m.username
	end
	return '#' .. m.id
end

local function credit_get(pid)
	return num(redis.call('HGET', P .. 'p:' .. pid, 'credit'),
	    C.credit_initial)
end

-- Every credit change: floor 0 (SPEC section 3) and a ledger entry.  The
-- ledger records the change actually applied.  Returns credit, applied.
local function credit_add(pid, delta, reason, actor, note)
	local old = credit_get(pid)
	local new = old + delta
	if new < 0 then
		new = 0
	end
	redis.call('HSET', P .. 'p:' .. pid, 'credit', new)
	redis.call('XADD', P .. 'ledger:' .. pid, 'MAXLEN', '~', 1000, '*',
	    'delta', new - old, 'reason', reason, 'actor', actor or '',
	    'credit', new, 'note', note or '', 'at', now)
	return new, new - old
end

---------------------------------------------------------------------------
-- Communities, scopes and ranks (SPEC section 2)
---------------------------------------------------------------------------

local community_cache
local function community()
	if not community_cache then
		local node = redis.call('HGET', P .. 'chat:' .. adapter .. ':' ..
		    chat, 'node')
		if node and node ~= '' then
			community_cache = node
		else
			community_cache = 'chat:' .. adapter .. ':' .. chat
		end
	end
	return community_cache
end

-- The community and each ancestor: a/b/c -> a/b/c, a/b, a.  An unbound
-- chat's community has no ancestors.
local function scopes(c)
	if string.sub(c, 1, 5) == 'chat:' then
		return { c }
	end
	local parts = split(c, '/')
	local out = {}
	for i = #parts, 1, -1 do
		out[#out + 1] = table.concat(parts, '/', 1, i)
	end
	return out
end

-- Is community c the scope s or inside it?
local function within(c, s)
	return c == s or string.sub(c, 1, #s + 1) == s .. '/'
end

local RANKS = { member = 1, seed = 2, liaison = 3, committee = 4, owner = 5,
	operator = 6 }
local RANK_NAMES = { 'member', 'seed', 'liaison', 'committee', 'owner',
	'operator' }

-- Highest role held on the community or an ancestor; operators win.
local function rank_of(pid, c)
	if is_operator then
		return RANKS.operator
	end
	local best = RANKS.member
	for _, s in ipairs(scopes(c)) do
		local r = redis.call('HGET', P .. 'role:' .. s, pid)
		if r and RANKS[r] and RANKS[r] > best and r ~= 'operator' then
			best = RANKS[r]
		end
	end
	return best
end

local function blacklisted(pid, c)
	for _, s in ipairs(scopes(c)) do
		if redis.call('HEXISTS', P .. 'bl:' .. s, pid) == 1 then
			return true
		end
	end
	return false
end

local function standing(pid, c)
	local v = redis.call('HMGET', P .. 'st:' .. c .. ':' .. pid,
	    'absences', 'serve')
	return num(v[1], 0), num(v[2], 0)
end

local function barred(pid, c)
	local _, serve = standing(pid, c)
	return serve > 0 or blacklisted(pid, c)
end

---------------------------------------------------------------------------
-- Activities (SPEC sections 2 and 3)
---------------------------------------------------------------------------

local function akey(id, suffix)
	return P .. 'act:' .. id .. (suffix or '')
end

local function act_load(id)
	local v = redis.call('HMGET', akey(id), 'chat', 'adapter', 'community',
	    'title', 'start', 'cap', 'place', 'deadline', 'mincredit', 'hours',
	    'state', 'signed')
	if not v[1] then
		return nil
	end
	return { id = tostring(id), nid = tonumber(id), chat = v[1],
		adapter = v[2] or '', community = v[3] or '', title = v[4] or '',
		start = num(v[5], 0), cap = num(v[6], 0), place = v[7] or '',
		deadline = num(v[8], 0), mincredit = num(v[9], 0),
		hours = num(v[10], 0), state = v[11] or '',
		signed = num(v[12], 0) }
end

local function act_item(a)
	return { id = a.nid, title = a.title, start_at = a.start,
		signed = a.signed, cap = a.cap,
		waitlist = redis.call('LLEN', akey(a.id, ':wl')) }
end

-- Open activities of this chat, oldest first.
local function act_open_list()
	local ids = redis.call('SMEMBERS', P .. 'open:' .. adapter .. ':' .. chat)
	local out = {}
	for _, id in ipairs(ids) do
		local a = act_load(id)
		if a then
			out[#out + 1] = a
		end
	end
	table.sort(out, function(x, y) return x.nid < y.nid end)
	return out
end

-- [id] as given, or the chat's only open activity (SPEC section 4).
-- Returns the activity, or nil after replying why not.
local function act_pick(cmd, given)
	given = string.gsub(given, '^#', '')
	if given ~= '' then
		local n = toint(given)
		local a
		if n and n > 0 and redis.call('SISMEMBER', P .. 'open:' ..
		    adapter .. ':' .. chat, tostring(n)) == 1 then
			a = act_load(tostring(n))
		end
		if not a then
			reply('act_not_found', { id = given })
		end
		return a
	end
	local open = act_open_list()
	if #open == 0 then
		reply('act_none', {})
		return nil
	end
	if #open > 1 then
		local items = {}
		for i, a in ipairs(open) do
			items[i] = act_item(a)
		end
		reply('act_choose', { cmd = cmd, items = items })
		return nil
	end
	return open[1]
end

-- Tell a participant something in the activity's chat, @-mentioning the
-- identity that signed up there.
local function act_notify(a, pid, key, params)
	local u = redis.call('HGET', akey(a.id, ':u'), pid)
	local name = ''
	if u then
		name = redis.call('HGET', mkey(a.adapter, u), 'name') or ''
	else
		u = ''
	end
	queue(a.adapter, a.chat, '', u, name, key, params)
end

-- Fill free seats from the waitlist head; skip (and cancel) members who are
-- now restricted or blacklisted.  Returns the number promoted.
local function act_promote(a)
	local n = 0
	local su = akey(a.id, ':su')
	while a.cap == 0 or a.signed < a.cap do
		local pid = redis.call('LPOP', akey(a.id, ':wl'))
		if not pid then
			break
		end
		if redis.call('HGET', su, pid) == 'waitlisted' then
			if barred(pid, a.community) then
				redis.call('HSET', su, pid, 'cancelled')
				redis.call('SREM', P .. 'psu:' .. pid, a.id)
				act_notify(a, pid, 'restriction_cancelled',
				    { id = a.nid, title = a.title })
			else
				redis.call('HSET', su, pid, 'signed')
				a.signed = redis.call('HINCRBY', akey(a.id),
				    'signed', 1)
				act_notify(a, pid, 'promoted',
				    { id = a.nid, title = a.title })
				n = n + 1
			end
		end
	end
	return n
end

-- Take pid off the activity (signed or waitlisted) into state newstate,
-- freeing the seat and promoting.  Returns the old state.
local function act_drop(a, pid, newstate)
	local su = akey(a.id, ':su')
	local st = redis.call('HGET', su, pid)
	if st == 'signed' then
		redis.call('HSET', su, pid, newstate)
		a.signed = redis.call('HINCRBY', akey(a.id), 'signed', -1)
		redis.call('SREM', P .. 'psu:' .. pid, a.id)
		act_promote(a)
	elseif st == 'waitlisted' then
		redis.call('LREM', akey(a.id, ':wl'), 0, pid)
		redis.call('HSET', su, pid, newstate)
		redis.call('SREM', P .. 'psu:' .. pid, a.id)
	end
	return st
end

-- Cancel pid's pending sign-ups to activities not yet started whose
-- community satisfies match(c), with a notice each (SPEC section 3).
local function cancel_pending(pid, match)
	local n = 0
	local ids = redis.call('SMEMBERS', P .. 'psu:' .. pid)
	table.sort(ids, function(x, y) return num(x, 0) < num(y, 0) end)
	for _, id in ipairs(ids) do
		local a = act_load(id)
		if not a or a.state ~= 'open' then
			redis.call('SREM', P .. 'psu:' .. pid, id)
		elseif now < a.start and match(a.community) then
			local st = redis.call('HGET', akey(id, ':su'), pid)
			if st == 'signed' or st == 'waitlisted' then
				act_notify(a, pid, 'restriction_cancelled',
				    { id = a.nid, title = a.title })
				act_drop(a, pid, 'cancelled')
				n = n + 1
			end
		end
	end
	return n
end

---------------------------------------------------------------------------
-- Targets: <member> as ARGV 15-18 give it (SPEC section 4)
---------------------------------------------------------------------------

-- Returns the member record, or nil after replying why not.
local function target(cmd)
	if tkind == '' or tvalue == '' then
		reply('member_required', { cmd = cmd })
		return nil
	end
	local m
	if tkind == 'user' then
		member_upsert(adapter, tvalue, tname, thandle, false)
		m = member_get(adapter, tvalue)
	elseif tkind == 'username' then
		local h = string.gsub(tvalue, '^@', '')
		local u = redis.call('GET', P .. 'uname:' .. adapter .. ':' ..
		    string.lower(h))
		if u then
			m = member_get(adapter, u)
		end
		if not m then
			reply('member_not_found', { spec = '@' .. h })
			return nil
		end
	elseif tkind == 'member' then
		local n = toint((string.gsub(tvalue, '^#', '')))
		if n then
			local v = redis.call('HMGET', P .. 'mid:' .. n, 'adapter',
			    'user')
			if v[1] and v[2] then
				m = member_get(v[1], v[2])
			end
		end
		if not m then
			reply('member_not_found', { spec = '#' ..
			    (string.gsub(tvalue, '^#', '')) })
			return nil
		end
	else
		reply('member_not_found', { spec = tvalue })
		return nil
	end
	return m
end

---------------------------------------------------------------------------
-- Covenant operations shared by several commands (SPEC section 3)
---------------------------------------------------------------------------

-- Blacklist m in scope (HSET bl, credit, cancel pending sign-ups in scope).
-- Returns the number of sign-ups cancelled.
local function blacklist_apply(m, scope, reason, actor)
	redis.call('HSET', P .. 'bl:' .. scope, m.pid, reason)
	credit_add(m.pid, C.credit_blacklist, 'blacklist', actor, reason)
	return cancel_pending(m.pid, function(c) return within(c, scope) end)
end

-- The attendance-strike rule for one person at one closing.  st is their
-- state in the closed activity (attended/leave/absent) or nil.  Returns
-- 'restricted', 'lifted' or nil.
local function strike_apply(a, pid, st)
	local c = a.community
	local k = P .. 'st:' .. c .. ':' .. pid
	local absences, serve = standing(pid, c)
	if serve > 0 then
		-- Serving: this closing counts toward the restriction.
		serve = serve - 1
		if serve == 0 then
			redis.call('HSET', k, 'absences', 0, 'serve', 0)
			redis.call('SREM', P .. 'restricted:' .. c, pid)
			return 'lifted'
		end
		redis.call('HSET', k, 'serve', serve)
		return nil
	end
	if st == nil then
		-- In the restricted set but not serving: stale entry.
		redis.call('SREM', P .. 'restricted:' .. c, pid)
		return nil
	end
	if st == 'attended' then
		if absences ~= 0 then
			redis.call('HSET', k, 'absences', 0)
		end
		return nil
	end
	if st ~= 'absent' then
		return nil
	end
	absences = absences + 1
	if absences >= C.absence_limit and C.restriction_activities > 0 then
		redis.call('HSET', k, 'absences', absences, 'serve',
		    C.restriction_activities)
		redis.call('SADD', P .. 'restricted:' .. c, pid)
		local u = redis.call('HGET', akey(a.id, ':u'), pid)
		local name = ''
		if u then
			name = redis.call('HGET', mkey(a.adapter, u), 'name') or ''
		end
		queue(a.adapter, a.chat, '', u or '', name, 'restricted_notice',
		    { name = name, limit = C.absence_limit })
		cancel_pending(pid, function(cc) return cc == c end)
		return 'restricted'
	end
	redis.call('HSET', k, 'absences', absences)
	return nil
end

---------------------------------------------------------------------------
-- Handlers, one per op.  Each gets the sender record and returns the
-- outcome token and the activity id ('' if none).
---------------------------------------------------------------------------

local H = {}

-- Minimum rank per command (SPEC sections 2 and 4).
local NEED = { newactivity = 4, close = 4, warn = 4, blacklist = 4,
	unblacklist = 4, credit = 4, stars = 4, role = 5, bind = 6,
	broadcast = 3, report = 3 }

local function record_only()
	return 'seen', ''
end
H.msg = record_only
H.join = record_only
H.part = record_only

H.say = function()
	local key = arg(1)
	if key == '' then
		return 'bad_args', ''
	end
	local params = {}
	local raw = arg(2)
	if raw ~= '' then
		local ok, v = pcall(cjson.decode, raw)
		if ok and type(v) == 'table' then
			params = v
		end
	end
	reply(key, params)
	return 'said', ''
end

H.help = function(me)
	local p = { rank = RANK_NAMES[rank_of(me.pid, community())] }
	if arg(1) ~= '' then
		p.cmd = arg(1)
	end
	reply('help', p)
	return 'help', ''
end

H.activities = function()
	local open = act_open_list()
	if #open == 0 then
		reply('act_none', {})
		return 'none', ''
	end
	local items = {}
	for i, a in ipairs(open) do
		items[i] = act_item(a)
	end
	reply('act_list', { items = items })
	return 'listed', ''
end

H.newactivity = function(me)
	local title = arg(1)
	local start = toint(arg(2))
	local cap = 0
	local mincredit = 0
	local hours = 0
	local deadline
	if arg(3) ~= '' then
		cap = toint(arg(3))
	end
	if arg(5) ~= '' then
		deadline = toint(arg(5))
	end
	if arg(6) ~= '' then
		mincredit = toint(arg(6))
	end
	if arg(7) ~= '' then
		hours = todec(arg(7))
	end
	if title == '' or not start or not cap or cap < 0 or not mincredit or
	    not hours or (arg(5) ~= '' and not deadline) then
		reply('usage', { cmd = 'newactivity' })
		return 'bad_args', ''
	end
	if start < now then
		reply('act_in_past', { start_at = start })
		return 'in_past', ''
	end
	deadline = deadline or start
	local id = tostring(redis.call('INCR', P .. 'seq:act'))
	local c = community()
	redis.call('HSET', akey(id), 'chat', chat, 'adapter', adapter,
	    'community', c, 'title', title, 'start', start, 'cap', cap,
	    'place', arg(4), 'deadline', deadline, 'mincredit', mincredit,
	    'hours', hours, 'state', 'open', 'signed', 0, 'creator', me.pid)
	redis.call('SADD', P .. 'open:' .. adapter .. ':' .. chat, id)
	reply('act_created', { id = tonumber(id), title = title,
		start_at = start, cap = cap, place = arg(4),
		deadline_at = deadline, mincredit = mincredit, hours = hours })
	return 'created', id
end

-- Sign-up, in exactly this order of refusals (SPEC sections 2-3).
H.signup = function(me)
	local a = act_pick('signup', arg(1))
	if not a then
		return 'not_found', ''
	end
	local su = akey(a.id, ':su')
	local st = redis.call('HGET', su, me.pid)
	if st == 'signed' or st == 'waitlisted' or st == 'attended' or
	    st == 'leave' then
		reply('signup_already', { id = a.nid, state = st })
		return 'already', a.id
	end
	if a.state ~= 'open' or now >= a.deadline or now >= a.start then
		reply('signup_closed', { id = a.nid })
		return 'closed', a.id
	end
	if blacklisted(me.pid, a.community) then
		reply('signup_blacklisted', { id = a.nid })
		return 'blacklisted', a.id
	end
	local _, serve = standing(me.pid, a.community)
	if serve > 0 then
		reply('signup_restricted', { id = a.nid, left = serve })
		return 'restricted', a.id
	end
	local credit = credit_get(me.pid)
	if credit < a.mincredit then
		reply('signup_credit', { id = a.nid, credit = credit,
			min = a.mincredit })
		return 'credit', a.id
	end
	redis.call('HSET', akey(a.id, ':u'), me.pid, user)
	redis.call('SADD', P .. 'psu:' .. me.pid, a.id)
	if a.cap > 0 and a.signed >= a.cap then
		redis.call('HSET', su, me.pid, 'waitlisted')
		local pos = redis.call('RPUSH', akey(a.id, ':wl'), me.pid)
		reply('signup_waitlist', { id = a.nid, title = a.title,
			pos = pos })
		return 'waitlisted', a.id
	end
	redis.call('HSET', su, me.pid, 'signed')
	a.signed = redis.call('HINCRBY', akey(a.id), 'signed', 1)
	reply('signup_ok', { id = a.nid, title = a.title, start_at = a.start,
		signed = a.signed, cap = a.cap })
	return 'signed', a.id
end

H.cancel = function(me)
	local a = act_pick('cancel', arg(1))
	if not a then
		return 'not_found', ''
	end
	local st = redis.call('HGET', akey(a.id, ':su'), me.pid)
	if st ~= 'signed' and st ~= 'waitlisted' then
		reply('cancel_none', { id = a.nid })
		return 'none', a.id
	end
	if now >= a.start then
		reply('signup_closed', { id = a.nid })
		return 'closed', a.id
	end
	local penalty = 0
	if st == 'signed' and a.start - now < C.late_cancel_hours * 3600 then
		local _, applied = credit_add(me.pid, C.credit_late_cancel,
		    'late_cancel', me.pid, a.id)
		penalty = applied
	end
	act_drop(a, me.pid, 'cancelled')
	reply('cancel_ok', { id = a.nid, title = a.title, penalty = penalty })
	return 'cancelled', a.id
end

H.leave = function(me)
	local a = act_pick('leave', arg(1))
	if not a then
		return 'not_found', ''
	end
	if now >= a.start then
		reply('leave_started', { id = a.nid })
		return 'started', a.id
	end
	local st = redis.call('HGET', akey(a.id, ':su'), me.pid)
	if st ~= 'signed' and st ~= 'waitlisted' then
		reply('leave_none', { id = a.nid })
		return 'none', a.id
	end
	if arg(2) ~= '' then
		redis.call('HSET', akey(a.id, ':why'), me.pid, arg(2))
	end
	act_drop(a, me.pid, 'leave')
	reply('leave_ok', { id = a.nid, title = a.title })
	return 'leave', a.id
end

H.checkin = function(me)
	local a = act_pick('checkin', arg(1))
	if not a then
		return 'not_found', ''
	end
	local su = akey(a.id, ':su')
	local st = redis.call('HGET', su, me.pid)
	if st == 'attended' then
		reply('checkin_already', { id = a.nid })
		return 'already', a.id
	end
	if st ~= 'signed' then
		reply('checkin_none', { id = a.nid })
		return 'none', a.id
	end
	local from = a.start - C.checkin_before_minutes * 60
	if now < from then
		reply('checkin_early', { id = a.nid, from_at = from })
		return 'early', a.id
	end
	redis.call('HSET', su, me.pid, 'attended')
	reply('checkin_ok', { id = a.nid, title = a.title })
	return 'attended', a.id
end

-- Close: absences, credit, hours, then the attendance-strike rule for each
-- participant and each serving member, once (SPEC section 3).
H.close = function(me)
	local a = act_pick('close', arg(1))
	if not a then
		return 'not_found', ''
	end
	redis.call('HSET', akey(a.id), 'state', 'closed')
	redis.call('SREM', P .. 'open:' .. adapter .. ':' .. chat, a.id)
	a.state = 'closed'
	local su = akey(a.id, ':su')
	local all = redis.call('HGETALL', su)
	local n = { attended = 0, absent = 0, leave = 0, restricted = 0,
		lifted = 0 }
	local order, state_of = {}, {}
	for i = 1, #all, 2 do
		local pid, st = all[i], all[i + 1]
		if st == 'signed' then
			st = 'absent'
			redis.call('HSET', su, pid, st)
			credit_add(pid, C.credit_absent, 'absent', me.pid, a.id)
		elseif st == 'attended' then
			credit_add(pid, C.credit_attended, 'attended', me.pid,
			    a.id)
			if a.hours > 0 then
				redis.call('HINCRBYFLOAT', P .. 'p:' .. pid,
				    'hours', a.hours)
			end
		end
		redis.call('SREM', P .. 'psu:' .. pid, a.id)
		if st == 'attended' or st == 'leave' or st == 'absent' then
			n[st] = n[st] + 1
			order[#order + 1] = pid
			state_of[pid] = st
		end
	end
	local serving = redis.call('SMEMBERS', P .. 'restricted:' ..
	    a.community)
	for _, pid in ipairs(serving) do
		if not state_of[pid] then
			order[#order + 1] = pid
			state_of[pid] = false
		end
	end
	for _, pid in ipairs(order) do
		local r = strike_apply(a, pid, state_of[pid] or nil)
		if r then
			n[r] = n[r] + 1
		end
	end
	reply('close_ok', { id = a.nid, title = a.title,
		attended = n.attended, absent = n.absent, leave = n.leave,
		restricted = n.restricted, lifted = n.lifted })
	return 'closed', a.id
end

H.me = function(me)
	local c = community()
	local absences, serve = standing(me.pid, c)
	local p = redis.call('HMGET', P .. 'p:' .. me.pid, 'credit', 'hours')
	local strikes = redis.call('ZCOUNT', P .. 'warn:' .. c .. ':' ..
	    me.pid, '(' .. now, '+inf')
	local restricted, bl = 0, 0
	if serve > 0 then
		restricted = 1
	end
	if blacklisted(me.pid, c) then
		bl = 1
	end
	reply('me', { name = member_label(me), member = tonumber(me.id),
		credit = num(p[1], C.credit_initial), absences = absences,
		strikes = strikes, restricted = restricted, left = serve,
		hours = num(p[2], 0), blacklisted = bl })
	return 'me', ''
end

H.register = function(me)
	local name = string.gsub((string.gsub(arg(1), '^%s+', '')), '%s+$', '')
	local phone = string.gsub(arg(2), '[%s%-]', '')
	if name == '' or #name > 64 or (phone ~= '' and
	    (not string.match(phone, '^%+?%d+$') or #phone < 5 or
	    #phone > 20)) then
		reply('register_bad', {})
		return 'bad_args', ''
	end
	local pk = P .. 'p:' .. me.pid
	if phone ~= '' then
		local owner = redis.call('GET', P .. 'phone:' .. phone)
		if owner and owner ~= me.pid then
			-- Link this identity to the registered person and merge
			-- what it earned on its own (README "Keys").
			local own = redis.call('HMGET', pk, 'credit', 'hours')
			local gain = num(own[1], C.credit_initial) -
			    C.credit_initial
			redis.call('HSET', mkey(adapter, user), 'pid', owner)
			credit_add(owner, gain, 'link', me.pid, me.pid)
			local h = num(own[2], 0)
			if h > 0 then
				redis.call('HINCRBYFLOAT', P .. 'p:' .. owner,
				    'hours', h)
			end
			redis.call('HSET', pk, 'credit', C.credit_initial,
			    'hours', 0, 'linked', owner)
			reply('register_ok', { name = name, linked = 1 })
			return 'linked', ''
		end
		local old = redis.call('HGET', pk, 'phone')
		if old and old ~= '' and old ~= phone and
		    redis.call('GET', P .. 'phone:' .. old) == me.pid then
			redis.call('DEL', P .. 'phone:' .. old)
		end
		redis.call('SET', P .. 'phone:' .. phone, me.pid)
	end
	redis.call('HSET', pk, 'realname', name)
	if phone ~= '' then
		redis.call('HSET', pk, 'phone', phone)
	end
	reply('register_ok', { name = name, linked = 0 })
	return 'registered', ''
end

local RUNG_DELTA = { remind = 'credit_remind', warn = 'credit_warn',
	blacklist = 'credit_blacklist' }

H.warn = function(me)
	local m = target('warn')
	if not m then
		return 'not_found', ''
	end
	local c = community()
	local k = P .. 'warn:' .. c .. ':' .. m.pid
	redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
	local sid = redis.call('INCR', P .. 'seq:strike')
	local expiry = now + C.warn_expiry_days * 86400
	-- No EXPIREAT: "now" is the caller's clock, not the server's.
	redis.call('ZADD', k, expiry, sid)
	local count = redis.call('ZCARD', k)
	local rung = LADDER[math.min(count, #LADDER)]
	local delta = C[RUNG_DELTA[rung] or ''] or 0
	local reason = arg(1)
	if rung == 'blacklist' then
		reply('warn_ok', { name = member_label(m), strike = count,
			rung = rung, delta = delta })
		local cancelled = blacklist_apply(m, c, reason, me.pid)
		reply('blacklist_ok', { name = member_label(m), scope = c,
			cancelled = cancelled })
		return 'blacklisted', ''
	end
	credit_add(m.pid, delta, rung, me.pid, reason)
	reply('warn_ok', { name = member_label(m), strike = count, rung = rung,
		delta = delta })
	return 'warned', ''
end

H.blacklist = function(me)
	local m = target('blacklist')
	if not m then
		return 'not_found', ''
	end
	local c = community()
	local cancelled = blacklist_apply(m, c, arg(1), me.pid)
	reply('blacklist_ok', { name = member_label(m), scope = c,
		cancelled = cancelled })
	return 'blacklisted', ''
end

H.unblacklist = function()
	local m = target('unblacklist')
	if not m then
		return 'not_found', ''
	end
	if redis.call('HDEL', P .. 'bl:' .. community(), m.pid) == 1 then
		reply('unblacklist_ok', { name = member_label(m) })
		return 'unblacklisted', ''
	end
	reply('unblacklist_none', { name = member_label(m) })
	return 'none', ''
end

H.credit = function(me)
	local delta = toint((string.gsub(arg(1), '^%+', '')))
	if not delta then
		reply('usage', { cmd = 'credit' })
		return 'bad_args', ''
	end
	local m = target('credit')
	if not m then
		return 'not_found', ''
	end
	local credit, applied = credit_add(m.pid, delta, 'manual', me.pid,
	    arg(2))
	reply('credit_ok', { name = member_label(m), delta = applied,
		credit = credit })
	return 'credit', ''
end

H.role = function()
	local role = arg(1)
	if not RANKS[role] or role == 'operator' then
		reply('role_bad', { role = role })
		return 'bad_args', ''
	end
	if role == 'owner' and not is_operator then
		reply('not_allowed', { cmd = 'role' })
		return 'not_allowed', ''
	end
	local m = target('role')
	if not m then
		return 'not_found', ''
	end
	local c = community()
	redis.call('HSET', P .. 'role:' .. c, m.pid, role)
	reply('role_ok', { name = member_label(m), role = role, node = c })
	return 'role', ''
end

H.bind = function()
	local path = arg(1)
	local purpose = arg(2)
	if purpose == '' then
		purpose = 'members'
	end
	local ok = path ~= '' and #path <= 200
	for _, seg in ipairs(split(path, '/')) do
		if not string.match(seg, '^[a-z0-9%-]+$') then
			ok = false
		end
	end
	if not ok then
		reply('bind_bad', { path = path })
		return 'bad_args', ''
	end
	if purpose ~= 'members' and purpose ~= 'council' then
		reply('usage', { cmd = 'bind' })
		return 'bad_args', ''
	end
	redis.call('HSET', P .. 'chat:' .. adapter .. ':' .. chat, 'node', path,
	    'purpose', purpose)
	local parts = split(path, '/')
	redis.call('HSETNX', P .. 'node:' .. path, 'name', parts[#parts])
	reply('bind_ok', { path = path, purpose = purpose })
	return 'bound', ''
end

-- Broadcast commands before the tower work lands (SPEC section 5).
local function later()
	reply('broadcast_later', {})
	return 'later', ''
end
H.ack = later
H.report = later
H.broadcast = later
H.stars = later

---------------------------------------------------------------------------
-- Main: dedupe, record the sender, check rights, dispatch
---------------------------------------------------------------------------

if event_id ~= '' then
	-- SPEC section 6: every event id is remembered for 24 h.
	if not redis.call('SET', P .. 'dedup:' .. adapter .. ':' .. event_id,
	    1, 'NX', 'EX', 86400) then
		return { 'dup', 'dup', '' }
	end
end

local handler = H[op]
if user == '' or adapter == '' then
	return { 'ok', 'no_sender', '' }
end
local me = member_upsert(adapter, user, uname_arg, uhandle_arg, true)
if not handler then
	return { 'ok', 'unknown_op', '' }
end
if NEED[op] and rank_of(me.pid, community()) < NEED[op] then
	reply('not_allowed', { cmd = op })
	return { 'ok', 'not_allowed', '' }
end
local outcome, act = handler(me)
return { 'ok', outcome, act or '' }
