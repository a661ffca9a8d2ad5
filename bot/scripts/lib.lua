-- lib.lua -- the shared head of the Redis Functions library "towerbot".
--
-- The build (cmake/embed_lua.cmake) makes one library of bot/scripts:
-- "#!lua name=towerbot", then this file, towerbot.lua and tower.lua, in
-- that order (bot/scripts.h, script_library).  It is loaded with FUNCTION
-- LOAD REPLACE and registers two functions, tb_event (towerbot.lua) and
-- tb_tower (tower.lua); README.md is the contract.
--
-- The whole text runs once, at load time: it builds the tables and the
-- closures and registers the functions, and may not touch keys or depend
-- on any argument (at load time Redis offers only register_function and
-- a few more: no redis.call, not even the string library).  Each call
-- then only does its work.  Rules:
--   - Locals of this file are visible to the two files after it; each of
--     those wraps its body in do ... end (Lua allows 200 locals per
--     function, and the library is one function), so they share nothing
--     but what is defined here.
--   - A function gets (keys, args); there is no global ARGV and globals
--     cannot be assigned.  Each registered function starts with
--     ARGV = args and re-derives every per-call value (prefix, now,
--     config, ...) into its file's locals: nothing computed at load time
--     may depend on a call.  (tb_event keeps the parsed config between
--     calls, keyed by its string: see config_load.)

-- The args of the running call (set first thing by tb_event / tb_tower).
local ARGV = {}

-- s split at every sep (a plain one-character separator); '' -> {}.
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

-- The figures of broadcast id for /report and the admin API: nil for an
-- unknown id, else { text, created (ms), levels = { { level, targeted,
-- delivered, failed, pending, p50, p95, max (reach ms, nearest rank; 0
-- when nothing arrived), ack_chats, ack_members }, ... } } by level.
local function bc_figures(P, id)
	local bk = P .. 'bc:' .. id
	local b = redis.call('HMGET', bk, 'text', 'created')
	if not b[2] then
		return nil
	end
	local lv = redis.call('HGETALL', bk .. ':lv')
	local h, levels = {}, {}
	for i = 1, #lv, 2 do
		h[lv[i]] = tonumber(lv[i + 1]) or 0
		local l = string.match(lv[i], '^t:(%d+)$')
		if l then
			levels[#levels + 1] = tonumber(l)
		end
	end
	table.sort(levels)
	local out = { text = b[1] or '', created = tonumber(b[2]) or 0,
		levels = {} }
	for _, l in ipairs(levels) do
		local t, d, f = h['t:' .. l] or 0, h['d:' .. l] or 0,
		    h['f:' .. l] or 0
		local rk = bk .. ':reach:' .. l
		local n = redis.call('ZCARD', rk)
		local q = { 0, 0, 0 }
		if n > 0 then
			for x, frac in ipairs({ 0.5, 0.95, 1 }) do
				local rank = math.max(math.ceil(frac * n) - 1, 0)
				local v = redis.call('ZRANGE', rk, rank, rank,
				    'WITHSCORES')
				q[x] = tonumber(v[2]) or 0
			end
		end
		out.levels[#out.levels + 1] = { level = l, targeted = t,
			delivered = d, failed = f,
			pending = math.max(t - d - f, 0), p50 = q[1], p95 = q[2],
			max = q[3], ack_chats = h['ac:' .. l] or 0,
			ack_members = h['am:' .. l] or 0 }
	end
	return out
end

-- One broadcast over the tower (README "tower.lua", op bc_create): every
-- chat bound to origin or below that passes the filters gets a level and
-- a sending identity (sharded), written to bc:<id>:chats.  Used by
-- tb_tower (op bc_create) and tb_event ('/broadcast'); everything it needs
-- comes in as arguments.  Returns { id, total, idents, levels },
-- { 0, 0, '', '' } when no chat matched (nothing written), or
-- { -1, 0, '', '' } for a bad argument.
local function bc_create(P, now_ms, origin, adapter, chat, sender, prio,
    text, flevel, ftag, fpurpose, idmap, esc)
	local BAD = { -1, 0, '', '' }
	if (prio ~= 'urgent' and prio ~= 'normal') or text == '' or
	    origin == '' then
		return BAD
	end
	if fpurpose ~= '' and fpurpose ~= 'members' and
	    fpurpose ~= 'council' then
		return BAD
	end
	-- Level filter: '' (every level), 'n' or 'n-m'.
	local lmin, lmax = 0, math.huge
	if flevel ~= '' then
		local lo, hi = string.match(flevel, '^(%d+)%-(%d+)$')
		if not lo then
			lo = string.match(flevel, '^(%d+)$')
			hi = lo
		end
		if not lo or #lo > 6 or #hi > 6 then
			return BAD
		end
		lmin, lmax = tonumber(lo), tonumber(hi)
	end
	-- Escalate after: '' = the SPEC default of the priority, 0 = never.
	local esc_ms
	if esc == '' then
		esc_ms = (prio == 'urgent') and 900000 or 3600000
	elseif string.match(esc, '^%d+$') and #esc <= 15 then
		esc_ms = tonumber(esc)
	else
		return BAD
	end
	-- Identities map: adapter=acct1,acct2;adapter2=~robot,a ('' = _).
	local map = {}
	for part in string.gmatch(idmap, '[^;]+') do
		local a, list = string.match(part, '^([^=]+)=(.*)$')
		if a then
			local m = map[a] or { list = {}, set = {} }
			for acc in string.gmatch(list .. ',', '([^,]*),') do
				if acc == '' then
					acc = '_'
				end
				if not m.set[acc] then
					m.set[acc] = true
					m.list[#m.list + 1] = acc
				end
			end
			map[a] = m
		end
	end

	local _, odepth = string.gsub(origin, '/', '')
	local level_of, tag_of = {}, {}
	local function has_tag(path)
		local v = tag_of[path]
		if v == nil then
			local tags = redis.call('HGET', P .. 'node:' .. path,
			    'tags') or ''
			v = string.find(',' .. tags .. ',', ',' .. ftag .. ',',
			    1, true) ~= nil
			if not v and path ~= origin then
				local parent = string.match(path, '^(.*)/[^/]*$')
				v = parent ~= nil and has_tag(parent)
			end
			tag_of[path] = v
		end
		return v
	end
	-- The candidate with the fewest chats so far (ties: the first), from
	-- the comma separated list (nil = the map's list); nil if none fits.
	local count = {}
	local function choose(a, m, list, robot)
		local best, bestn
		local function consider(acc)
			if acc == '' then
				acc = '_'
			end
			if not m.set[acc] or (acc == '~robot' and robot == '') then
				return
			end
			local n = count[a .. '/' .. acc] or 0
			if not bestn or n < bestn then
				best, bestn = acc, n
			end
		end
		if list then
			for acc in string.gmatch(list .. ',', '([^,]*),') do
				consider(acc)
			end
		else
			for _, acc in ipairs(m.list) do
				consider(acc)
			end
		end
		return best
	end

	local tower = P .. 'tower'
	local pairs_out, per_level = {}, {}
	local total = 0
	local ranges = { { '[' .. origin .. '\t', '[' .. origin .. '\t\255' },
		{ '[' .. origin .. '/', '(' .. origin .. '0' } }
	for _, r in ipairs(ranges) do
		local members = redis.call('ZRANGEBYLEX', tower, r[1], r[2])
		for _, mem in ipairs(members) do
			local path, a, c = string.match(mem,
			    '^([^\t]*)\t([^\t]*)\t(.*)$')
			local lv = path and level_of[path]
			if path and not lv then
				local _, d = string.gsub(path, '/', '')
				lv = d - odepth
				level_of[path] = lv
			end
			if lv and lv >= lmin and lv <= lmax and
			    (ftag == '' or has_tag(path)) then
				local v = redis.call('HMGET', P .. 'chat:' .. a ..
				    ':' .. c, 'purpose', 'ident', 'accts', 'robot')
				local purpose = v[1] or ''
				if purpose == '' then
					purpose = 'members'
				end
				if fpurpose == '' or purpose == fpurpose then
					local m = map[a]
					local robot = v[4] or ''
					local ident
					if m then
						if v[2] and v[2] ~= '' then
							ident = choose(a, m, v[2], robot)
						end
						if not ident and v[3] and v[3] ~= '' then
							ident = choose(a, m, v[3], robot)
						end
						if not ident then
							ident = choose(a, m, nil, robot)
						end
					end
					ident = ident or '~none'
					local key = a .. '/' .. ident
					count[key] = (count[key] or 0) + 1
					per_level[lv] = (per_level[lv] or 0) + 1
					total = total + 1
					pairs_out[#pairs_out + 1] = a .. '\t' .. c
					pairs_out[#pairs_out + 1] = lv .. '\t' .. ident
				end
			end
		end
	end
	if total == 0 then
		return { 0, 0, '', '' }
	end

	local id = redis.call('INCR', P .. 'seq:bc')
	local bk = P .. 'bc:' .. id
	for i = 1, #pairs_out, 1000 do
		redis.call('HSET', bk .. ':chats',
		    unpack(pairs_out, i, math.min(i + 999, #pairs_out)))
	end
	local levels, lvargs = {}, {}
	for l, n in pairs(per_level) do
		levels[#levels + 1] = l
	end
	table.sort(levels)
	local lvout = {}
	for i, l in ipairs(levels) do
		lvargs[#lvargs + 1] = 't:' .. l
		lvargs[#lvargs + 1] = per_level[l]
		lvout[i] = l .. '=' .. per_level[l]
	end
	redis.call('HSET', bk .. ':lv', unpack(lvargs))
	local idents = {}
	for k in pairs(count) do
		idents[#idents + 1] = k
	end
	table.sort(idents)
	for i, k in ipairs(idents) do
		idents[i] = k .. '=' .. count[k]
	end
	local esc_at = 0
	if esc_ms > 0 then
		esc_at = now_ms + esc_ms
		redis.call('ZADD', P .. 'bc:escalate', esc_at, id)
	end
	redis.call('HSET', bk, 'origin', origin, 'adapter', adapter,
	    'chat', chat, 'sender', sender, 'text', text, 'prio', prio,
	    'created', now_ms, 'total', total, 'state', 'enqueuing',
	    'cursor', '', 'escalate_ms', esc_ms, 'escalate_at', esc_at,
	    'filters', 'level=' .. flevel .. ',tag=' .. ftag .. ',purpose=' ..
	    fpurpose)
	redis.call('SADD', P .. 'bc:enqueuing', id)
	return { id, total, table.concat(idents, ','), table.concat(lvout, ',') }
end
