-- towerbot.lua -- one inbound event, one round trip: the function tb_event.
--
-- Dedupes the event, records the sender, applies the command and queues
-- every reply as a message key + params, all atomically (SPEC section 3,
-- "atomic in the store").  The contract (args layout, return value, reply
-- stream entries, message keys, key schema) is bot/scripts/README.md; keep
-- the two in step.  Never raise: bad input gets a reply key, not an error.
--
-- Part of the function library "towerbot" (lib.lua: how it is built, and
-- the rules).  This body runs once, at FUNCTION LOAD; tb_event (at the
-- end) sets the per-call locals below from its args on every call.  The
-- body is one do ... end block, not indented.

do

---------------------------------------------------------------------------
-- Arguments: set from args by tb_event at the start of every call
---------------------------------------------------------------------------

local P, now_ms_s, now_ms, now
local adapter, account, event_id, chat, user, uname_arg, uhandle_arg
local msg_id, is_operator, op, tkind, tvalue, tname, thandle
local thread_id, reply_url, reply_url_exp

-- Op argument i (ARGV 22 onwards).
local function arg(i)
	return ARGV[21 + i] or ''
end

-- ARGV[3], in this order (SPEC section 3 defaults).
local COV_NAMES = { 'absence_limit', 'restriction_activities',
	'warn_expiry_days', 'credit_initial', 'credit_attended',
	'credit_absent', 'credit_late_cancel', 'credit_remind', 'credit_warn',
	'credit_blacklist', 'late_cancel_hours', 'checkin_before_minutes',
	'kick_on_blacklist' }
local COV_DEFAULTS = { 3, 1, 90, 100, 2, -10, -3, -2, -5, -20, 2, 60, 0 }

-- The covenant numbers C (by name) and the warn ladder LADDER, parsed from
-- ARGV 3 and 4 by config_load.  They are kept between calls while those
-- two strings stay the same (they change only with the configuration), so
-- they are read-only: never write into C or LADDER.
local C, LADDER
local cov_src, ladder_src

local function config_load(cov, ladder)
	if cov ~= cov_src then
		local given = split(cov, ',')
		local c = {}
		for i, name in ipairs(COV_NAMES) do
			c[name] = tonumber(given[i] or '') or COV_DEFAULTS[i]
		end
		C, cov_src = c, cov
	end
	if ladder ~= ladder_src then
		local l = split(ladder, ',')
		if #l == 0 then
			l = { 'remind', 'warn', 'blacklist' }
		end
		LADDER, ladder_src = l, ladder
	end
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
	-- The thread and the reply endpoint of the event belong to its chat.
	local th, url, exp = '', '', ''
	if q_adapter == adapter and q_chat == chat then
		th, url, exp = thread_id, reply_url, reply_url_exp
	end
	redis.call('XADD', P .. 'q:' .. q_adapter .. ':' .. qacc .. ':r', '*',
	    'adapter', q_adapter, 'account', acc, 'chat', q_chat,
	    'reply_to', reply_to, 'mention', mention or '',
	    'mention_name', mention_name or '', 'key', key,
	    'params', cjson.encode(params or {}), 'at', now_ms_s,
	    'thread', th, 'reply_url', url, 'reply_url_expires', exp)
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
	local set
	if name ~= '' and name ~= m.name then
		set = { 'name', name }
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
		set = set or {}
		set[#set + 1] = 'username'
		set[#set + 1] = handle
		m.username = handle
	end
	if touch and now - num(v[5], 0) >= 60 then
		set = set or {}
		set[#set + 1] = 'seen'
		set[#set + 1] = now
	end
	if set then
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

-- The chat's hash, read once per event (README "towerbot.lua,
-- additions"): its node and the accounts that received its messages.
-- chat_key is set, and the other two cleared, by tb_event on every call.
local chat_key, chat_node, chat_accts

local function chat_load()
	if chat_accts == nil then
		local v = redis.call('HMGET', chat_key, 'node', 'accts')
		chat_node = v[1] or ''
		chat_accts = v[2] or ''
	end
end

-- Learn the account that received this event: at most one HSET, only when
-- it is new (the empty account is the identity _).
local function accts_learn()
	chat_load()
	local acc = account
	if acc == '' then
		acc = '_'
	end
	-- (Usually the only account: skip building the two strings.)
	if chat_accts ~= acc and not string.find(',' .. chat_accts .. ',',
	    ',' .. acc .. ',', 1, true) then
		if chat_accts == '' then
			chat_accts = acc
		else
			chat_accts = chat_accts .. ',' .. acc
		end
		redis.call('HSET', chat_key, 'accts', chat_accts)
	end
end

local function community()
	chat_load()
	if chat_node ~= '' then
		return chat_node
	end
	return 'chat:' .. adapter .. ':' .. chat
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

-- act_pick() for a command about the sender's own sign-up: the activity
-- (nil after replying why not), its sign-up hash and the sender's state
-- in it (nil if they never signed up).
local function act_mine(cmd, me)
	local a = act_pick(cmd, arg(1))
	if not a then
		return nil
	end
	local su = akey(a.id, ':su')
	return a, su, redis.call('HGET', su, me.pid)
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

-- kick_on_blacklist: queue the removal of user from every chat of the
-- adapter they were seen in whose community lies within scope, on the
-- reply stream of an account that reaches the chat (SPEC section 3).
local function kick_in_scope(a, u, scope)
	local chats = redis.call('SMEMBERS', P .. 'mchats:' .. a .. ':' .. u)
	for _, c in ipairs(chats) do
		local v = redis.call('HMGET', P .. 'chat:' .. a .. ':' .. c, 'node',
		    'accts')
		local community = v[1] or ('chat:' .. a .. ':' .. c)
		if within(community, scope) then
			local acct = string.match(v[2] or '', '^([^,]+)') or '_'
			redis.call('XADD', P .. 'q:' .. a .. ':' .. acct .. ':r',
			    '*', 'adapter', a, 'account', acct == '_' and '' or acct,
			    'chat', c, 'kick', u, 'at', now)
		end
	end
end

-- Blacklist m in scope (HSET bl, credit, cancel pending sign-ups in scope).
-- Returns the number of sign-ups cancelled.
local function blacklist_apply(m, scope, reason, actor)
	redis.call('HSET', P .. 'bl:' .. scope, m.pid, reason)
	credit_add(m.pid, C.credit_blacklist, 'blacklist', actor, reason)
	if C.kick_on_blacklist == 1 and m.adapter and m.user then
		kick_in_scope(m.adapter, m.user, scope)
	end
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
	local a, su, st = act_mine('signup', me)
	if not a then
		return 'not_found', ''
	end
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
	local a, _, st = act_mine('cancel', me)
	if not a then
		return 'not_found', ''
	end
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
	local a, _, st = act_mine('leave', me)
	if not a then
		return 'not_found', ''
	end
	if now >= a.start then
		reply('leave_started', { id = a.nid })
		return 'started', a.id
	end
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
	local a, su, st = act_mine('checkin', me)
	if not a then
		return 'not_found', ''
	end
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
	-- Keep the tower and nodes in step with chat: (README "More keys").
	chat_load()
	local tail = '\t' .. adapter .. '\t' .. chat
	if chat_node ~= '' and chat_node ~= path then
		redis.call('ZREM', P .. 'tower', chat_node .. tail)
	end
	redis.call('HSET', chat_key, 'node', path, 'purpose', purpose)
	redis.call('ZADD', P .. 'tower', 0, path .. tail)
	chat_node = path
	local parts = split(path, '/')
	redis.call('HSETNX', P .. 'node:' .. path, 'name', parts[#parts])
	redis.call('ZADD', P .. 'nodes', 0, path)
	reply('bind_ok', { path = path, purpose = purpose })
	return 'bound', ''
end

-- bc_create is in lib.lua (shared with tb_tower).

-- The tower and broadcasts (SPEC section 5; README "towerbot.lua,
-- additions").

-- '/broadcast': origin = this chat's node; bot/ plans and answers with
-- broadcast_ok (via say), so nothing is queued here unless nothing matched.
H.broadcast = function(me)
	chat_load()
	if chat_node == '' then
		reply('broadcast_unbound', {})
		return 'unbound', ''
	end
	local r = bc_create(P, now_ms, chat_node, adapter, chat, me.pid, arg(1),
	    arg(2), arg(3), arg(4), arg(5), arg(6), arg(7))
	if r[1] == -1 then
		reply('usage', { cmd = 'broadcast' })
		return 'bad_args', ''
	end
	if r[1] == 0 then
		reply('broadcast_none', {})
		return { 'ok', 'none', '', 0, '', '' }
	end
	return { 'ok', 'broadcast', tostring(r[1]), r[2], r[3], r[4] }
end

-- '/ack' (also 收到): the chat and the person acknowledge a broadcast that
-- targeted this chat.
H.ack = function(me)
	local id = string.gsub(arg(1), '^#', '')
	if id == '' then
		id = redis.call('HGET', chat_key, 'lastbc') or ''
	end
	local f = adapter .. '\t' .. chat
	local bk = P .. 'bc:' .. id
	local v
	if toint(id) then
		v = redis.call('HGET', bk .. ':chats', f)
	end
	local lvl = v and string.match(v, '^(%d+)\t')
	if not lvl then
		reply('ack_none', {})
		return 'none', ''
	end
	local first = false
	if redis.call('SADD', bk .. ':ackc', f) == 1 then
		first = true
		redis.call('HINCRBY', bk .. ':lv', 'ac:' .. lvl, 1)
		local b = redis.call('HMGET', bk, 'created', 'escalate_ms')
		local esc = num(b[2], 0)
		if esc <= 0 or now_ms - num(b[1], now_ms) <= esc then
			redis.call('HINCRBY', chat_key, 'bc_ack', 1)
		end
	end
	if redis.call('SADD', bk .. ':ackm', me.pid) == 1 then
		first = true
		redis.call('HINCRBY', bk .. ':lv', 'am:' .. lvl, 1)
	end
	reply('ack_ok', { id = tonumber(id) })
	if first then
		return 'acked', ''
	end
	return 'already', ''
end

-- Reach time in ms as seconds with one decimal.
local function reach_s(ms)
	return math.floor(ms / 100 + 0.5) / 10
end

H.report = function()
	local id = string.gsub(arg(1), '^#', '')
	if id == '' then
		-- The latest broadcast whose origin is within this community.
		local c = community()
		local top = num(redis.call('GET', P .. 'seq:bc'), 0)
		for i = top, math.max(1, top - 999), -1 do
			local o = redis.call('HGET', P .. 'bc:' .. i, 'origin')
			if o and within(o, c) then
				id = tostring(i)
				break
			end
		end
	end
	local fig = toint(id) and bc_figures(P, id)
	if not fig then
		reply('report_none', {})
		return 'none', ''
	end
	local items = {}
	for _, r in ipairs(fig.levels) do
		items[#items + 1] = { level = r.level, targeted = r.targeted,
			delivered = r.delivered, failed = r.failed,
			pending = r.pending, p50 = reach_s(r.p50),
			p95 = reach_s(r.p95), max = reach_s(r.max),
			ack_chats = r.ack_chats, ack_members = r.ack_members }
	end
	local text = fig.text
	-- The first 40 characters (UTF-8), not bytes.
	local cut = 0
	local chars = 0
	for p in string.gmatch(text, '()[^\128-\191]') do
		chars = chars + 1
		if chars > 40 then
			cut = p - 1
			break
		end
	end
	if cut > 0 then
		text = string.sub(text, 1, cut)
	end
	reply('report', { id = tonumber(id), text = text,
		created_at = math.floor(fig.created / 1000), items = items })
	return 'report', ''
end

-- '/stars': every liaison on this node or below, rated on how their chats
-- acknowledged the broadcasts they received.
H.stars = function()
	local c = community()
	if string.sub(c, 1, 5) == 'chat:' then
		reply('stars_none', {})
		return 'none', ''
	end
	local nodes = {}
	if redis.call('ZSCORE', P .. 'nodes', c) or
	    redis.call('EXISTS', P .. 'role:' .. c) == 1 then
		nodes[1] = c
	end
	for _, n in ipairs(redis.call('ZRANGEBYLEX', P .. 'nodes',
	    '[' .. c .. '/', '(' .. c .. '0')) do
		nodes[#nodes + 1] = n
	end
	local people, order = {}, {}
	for _, n in ipairs(nodes) do
		local all = redis.call('HGETALL', P .. 'role:' .. n)
		for i = 1, #all, 2 do
			if all[i + 1] == 'liaison' then
				local pid = all[i]
				if not people[pid] then
					people[pid] = { nodes = {} }
					order[#order + 1] = pid
				end
				local ns = people[pid].nodes
				ns[#ns + 1] = n
			end
		end
	end
	if #order == 0 then
		reply('stars_none', {})
		return 'none', ''
	end
	local items = {}
	for _, pid in ipairs(order) do
		local seen = {}
		local acked, delivered = 0, 0
		for _, n in ipairs(people[pid].nodes) do
			for _, r in ipairs({ { '[' .. n .. '\t', '[' .. n .. '\t\255' },
			    { '[' .. n .. '/', '(' .. n .. '0' } }) do
				for _, mem in ipairs(redis.call('ZRANGEBYLEX',
				    P .. 'tower', r[1], r[2])) do
					if not seen[mem] then
						seen[mem] = true
						local a, ch = string.match(mem,
						    '^[^\t]*\t([^\t]*)\t(.*)$')
						local v = redis.call('HMGET', P .. 'chat:' ..
						    a .. ':' .. ch, 'bc_n', 'bc_ack')
						delivered = delivered + num(v[1], 0)
						acked = acked + num(v[2], 0)
					end
				end
			end
		end
		local stars = 0
		if delivered > 0 then
			local q = acked / delivered
			if q >= 0.9 then
				stars = 5
			elseif q >= 0.75 then
				stars = 4
			elseif q >= 0.5 then
				stars = 3
			elseif q >= 0.25 then
				stars = 2
			else
				stars = 1
			end
		end
		local name = redis.call('HGET', P .. 'p:' .. pid, 'realname') or ''
		if name == '' then
			local mv = redis.call('HMGET', P .. 'mid:' .. pid, 'adapter',
			    'user')
			if mv[1] and mv[2] then
				name = redis.call('HGET', mkey(mv[1], mv[2]), 'name') or
				    ''
			end
		end
		if name == '' then
			name = '#' .. pid
		end
		items[#items + 1] = { name = name,
			node = table.concat(people[pid].nodes, ','), stars = stars,
			acked = acked, delivered = delivered }
	end
	table.sort(items, function(x, y)
		if x.node ~= y.node then
			return x.node < y.node
		end
		return x.name < y.name
	end)
	reply('stars', { items = items })
	return 'stars', ''
end

---------------------------------------------------------------------------
-- tb_event: dedupe, record the sender, check rights, dispatch
---------------------------------------------------------------------------

-- Plain chat traffic, most of the webhooks: dedupe, record the sender and
-- learn the account, nothing else (no config parse, no handler).
local RECORD_ONLY = { msg = true, join = true, part = true }

local function tb_event(_, args)
	ARGV = args
	P = args[1] or ''
	now_ms_s = args[2] or ''
	now_ms = tonumber(now_ms_s)
	if not now_ms or not string.match(now_ms_s, '^%d+$') then
		return { 'ok', 'bad_args', '' }
	end
	now = math.floor(now_ms / 1000)
	adapter = args[5] or ''
	account = args[6] or ''
	event_id = args[7] or ''
	chat = args[8] or ''
	user = args[9] or ''
	uname_arg = args[10] or ''
	uhandle_arg = args[11] or ''
	op = args[14] or ''
	chat_key = P .. 'chat:' .. adapter .. ':' .. chat
	chat_node, chat_accts = nil, nil

	if event_id ~= '' then
		-- SPEC section 6: every event id is remembered for 24 h.
		if not redis.call('SET', P .. 'dedup:' .. adapter .. ':' ..
		    event_id, 1, 'NX', 'EX', 86400) then
			return { 'dup', 'dup', '' }
		end
	end
	if user == '' or adapter == '' then
		return { 'ok', 'no_sender', '' }
	end
	local me = member_upsert(adapter, user, uname_arg, uhandle_arg, true)
	accts_learn()
	-- The chats a member was seen in, for kick_on_blacklist (SPEC
	-- section 3); a no-op SADD changes and replicates nothing.
	redis.call('SADD', P .. 'mchats:' .. adapter .. ':' .. user, chat)
	if RECORD_ONLY[op] then
		return { 'ok', 'seen', '' }
	end

	local handler = H[op]
	if not handler then
		return { 'ok', 'unknown_op', '' }
	end
	config_load(args[3] or '', args[4] or '')
	msg_id = args[12] or ''
	is_operator = args[13] == '1'
	tkind = args[15] or ''
	tvalue = args[16] or ''
	tname = args[17] or ''
	thandle = args[18] or ''
	thread_id = args[19] or ''
	reply_url = args[20] or ''
	reply_url_exp = args[21] or ''
	if reply_url_exp == '0' then
		reply_url_exp = ''
	end
	if NEED[op] and rank_of(me.pid, community()) < NEED[op] then
		reply('not_allowed', { cmd = op })
		return { 'ok', 'not_allowed', '' }
	end
	local outcome, act = handler(me)
	if type(outcome) == 'table' then
		return outcome
	end
	return { 'ok', outcome, act or '' }
end

redis.register_function('tb_event', tb_event)

end -- towerbot.lua
