#!/usr/bin/env bash
# run.sh -- the towerbot webhook benchmark (issue 2), in one command.
#
#   tests/bench/run.sh [--duration 20s] [--connections 64] [--threads 2]
#                      [--warmup 3s] [--perf] [--keep]
#
# Builds nothing: expects a configured and built tree in $BUILD_DIR
# (default: build/ at the repository root) with the targets towerbot,
# ref_bare, ref_redis and bench_sink.  In one run, one after the other on
# this machine, it drives wrk (Telegram updates from wrk/telegram.lua)
# against
#   (a) ref_bare   bare libevent evhttp, 200 to everything;
#   (b) ref_redis  secret check + jansson parse + one Redis round trip
#                  (EVALSHA SET NX + XADD, pipelined);
#   (b') ref_redis -j  the same, parsing with the daemon's adapters/jread.c;
#   (c) towerbot   the daemon, its replies sent to bench_sink;
# each with a warm-up, then the measured run, on a private redis-server
# (unix socket, no persistence, FLUSHALL between servers).  It prints a
# Markdown table and saves it to $TMPDIR/towerbot-bench-results.md.
# --perf records `perf record --call-graph dwarf` of the daemon during its
# measured run (perf.data and reports are saved next to the results).
# --keep keeps the work directory (logs, configs).  Everything listens on
# 127.0.0.1 only and every process started here is stopped on exit, also
# on ^C.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build}
duration=20s
warmup=3s
connections=64
threads=2
perf=0
keep=0
users=3000
chats=300
secret=bench_secret
port_base=${BENCH_PORT_BASE:-18480}

bench_name=run.sh
usage_lines=3,5
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

while [ $# -gt 0 ]; do
	bench_opt "$@" && { shift "$bench_shift"; continue; }
	case $1 in
	--perf) perf=1; shift ;;
	*) usage ;;
	esac
done

need_built towerbot tests/bench/ref_bare tests/bench/ref_redis \
	tests/bench/bench_sink
need_cmds wrk redis-server redis-cli curl

bench_start towerbot-bench
see="$work/*.log"

p_bare=$port_base
p_ref=$((port_base + 1))
p_bot=$((port_base + 2))
p_sink=$((port_base + 3))
ports_free "$p_bare" "$p_ref" "$p_bot" "$p_sink"

redis_start
sink_start "$work/sink.log" "$work/sink.log"

run_no=0

# wrk_run NAME PORT DURATION [--latency]: one wrk run with fresh update_ids.
wrk_run() {
	local name=$1 port=$2 d=$3
	shift 3
	run_no=$((run_no + 1))
	wrk_bench "$name" "$work/$name" "$d" "$@" -s "$here/wrk/telegram.lua" \
		"http://127.0.0.1:$port/webhook/tg" -- \
		$((run_no * 10000000000)) "$secret" "$users" "$chats"
}

# measure NAME PORT PID: the measured run; the BENCH line is left in
# $work/NAME.wrk, the CPU use of the server, redis-server and the sink in
# $work/NAME.cpu ("server% redis% sink%" of one core), Redis's command
# statistics in $work/NAME.redis.
measure() {
	local name=$1 port=$2 pid=$3 s0 r0 k0 t0 s1 r1 k1 t1
	rcli config resetstat >/dev/null
	s0=$(cpu_ticks "$pid")
	r0=$(cpu_ticks "$redis_pid")
	k0=$(cpu_ticks "$sink_pid")
	t0=$(date +%s.%N)
	wrk_run "$name.wrk" "$port" "$duration" --latency
	s1=$(cpu_ticks "$pid")
	r1=$(cpu_ticks "$redis_pid")
	k1=$(cpu_ticks "$sink_pid")
	t1=$(date +%s.%N)
	awk -v s="$((s1 - s0))" -v r="$((r1 - r0))" -v k="$((k1 - k0))" \
		-v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		t = hz * (t1 - t0) / 100
		printf "%.0f %.0f %.0f\n", s / t, r / t, k / t }' \
		>"$work/$name.cpu"
	rcli info commandstats >"$work/$name.redis"
}

# redis_calls NAME: the top-level Redis commands of NAME's measured run,
# "evalsha 1.00/webhook 27.7 us/call, ..." (the time of EVALSHA includes
# the commands its script runs).
redis_calls() {
	tr -d '\r' <"$work/$1.redis" | awk -F'[:,=]' -v n="$(field "$1" requests)" '
	/^cmdstat_(evalsha|fcall|xadd|xreadgroup|xack|xdel):/ {
		sub(/^cmdstat_/, "", $1)
		line = line sprintf("%s%s %.2f/webhook %.1f us/call",
		    line == "" ? "" : ", ", $1, $3 / n, $7)
	}
	END { print line }'
}

# field NAME KEY: a value of the BENCH line of NAME's measured run.
field() {
	wrk_field "$work/$1.wrk" "$2"
}

# ref_run NAME BINARY PORT [ARGS...]: start the reference server
# tests/bench/BINARY on PORT with ARGS (log in $work/NAME.log), warm it
# up, measure it as NAME, stop it.
ref_run() {
	local name=$1 bin=$2 port=$3 pid
	shift 3
	"$build/tests/bench/$bin" -p "$port" "$@" >"$work/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_port "$port"
	wrk_run "$name.warmup" "$port" "$warmup"
	measure "$name" "$port" "$pid"
	stop "$pid"
}

# (a) bare evhttp
say "(a) ref_bare, ${warmup} warm-up + ${duration}"
ref_run ref_bare ref_bare "$p_bare"

# (b) one Redis round trip
flushall
say "(b) ref_redis, ${warmup} warm-up + ${duration}"
ref_run ref_redis ref_redis "$p_ref" -s "$sock" -k "$secret"

# (b') the same with the daemon's JSON reader (adapters/jread.c)
flushall
say "(b') ref_redis -j, ${warmup} warm-up + ${duration}"
ref_run ref_jread ref_redis "$p_ref" -s "$sock" -k "$secret" -j

# (c) the daemon
flushall
cat >"$work/towerbot.json" <<EOF
{
  "listen": "127.0.0.1:$p_bot",
  "redis": "unix:$sock",
  "redis_prefix": "tb:",
  "data_dir": "$work/var",
  "lang": "en",
  "timezone": "UTC",
  "log": { "level": "info", "file": "$work/towerbot.log" },
  "operators": [ { "adapter": "tg", "user": "1001" } ],
  "adapters": {
    "tg": {
      "platform": "telegram",
      "token": "123456789:BENCHbenchBENCHbenchBENCHbench",
      "secret_token": "$secret",
      "api_base": "http://127.0.0.1:$p_sink",
      "rate": { "per_second": 1000000, "burst": 1000000,
                "per_chat_per_minute": 1000000 }
    }
  }
}
EOF
mkdir -p "$work/var"
"$build/towerbot" -t -c "$work/towerbot.json" >/dev/null ||
	die "towerbot rejects $work/towerbot.json"
bot_start "$work/towerbot.json" "$work/towerbot.stderr"

# One open activity per chat, opened by the operator (user 1001), so that
# every /signup of the load signs someone up for real.
{
	for i in $(seq "$chats"); do
		[ "$i" = 1 ] || echo "next"
		echo "url = \"http://127.0.0.1:$p_bot/webhook/tg\""
		echo "header = \"Content-Type: application/json\""
		echo "header = \"X-Telegram-Bot-Api-Secret-Token: $secret\""
		printf 'data = "{\\"update_id\\":%d,\\"message\\":{' "$i"
		printf '\\"message_id\\":%d,\\"from\\":{\\"id\\":1001,' "$i"
		printf '\\"is_bot\\":false,\\"first_name\\":\\"Op\\"},'
		printf '\\"chat\\":{\\"id\\":%d,\\"type\\":\\"supergroup\\",' \
			$((-1001000000000 - i))
		printf '\\"title\\":\\"Bench chat %d\\"},\\"date\\":1700000000,' "$i"
		printf '\\"text\\":\\"/newactivity Bench 2030-01-01 10:00 cap=0\\",'
		printf '\\"entities\\":[{\\"offset\\":0,\\"length\\":12,'
		printf '\\"type\\":\\"bot_command\\"}]}}"\n'
		echo "output = /dev/null"
		printf 'write-out = "%%{http_code}\\n"\n'
	done
} >"$work/activities.curl"
timeout 120 curl -s -K "$work/activities.curl" >"$work/activities.codes" ||
	die "creating the activities failed"
created=$(grep -c '^200$' "$work/activities.codes" || true)
[ "$created" = "$chats" ] || die "only $created of $chats /newactivity got 200"
opened=$(rcli --scan --pattern 'tb:open:tg:*' | wc -l)
[ "$opened" = "$chats" ] ||
	die "$opened of $chats chats have an open activity (see $work/towerbot.log)"

say "(c) towerbot, ${warmup} warm-up + ${duration}"
wrk_run towerbot.warmup "$p_bot" "$warmup"
# Let the warm-up's replies go out before counting.
sink_settle 300
sink0=$(sink_count)
cmd0=$(metric towerbot_commands_total)
if [ "$perf" = 1 ]; then
	command -v perf >/dev/null || die "perf not found"
	perf record --call-graph dwarf,16384 -F 299 -p "$bot_pid" -o "$work/perf.data" \
		>"$work/perf.log" 2>&1 &
	perf_pid=$!
	pids+=("$perf_pid")
fi
measure towerbot "$p_bot" "$bot_pid"
if [ "$perf" = 1 ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
fi
hwm=$(vm_mb "$bot_pid" VmHWM)
rss=$(vm_mb "$bot_pid" VmRSS)
# Replies still queued are sent within the bound; then count.
drain_t0=$SECONDS
sink_settle 120
drain_s=$((SECONDS - drain_t0))
replies=$(($(sink_count) - sink0))
cmds=$(($(metric towerbot_commands_total) - cmd0))
if [ "$perf" = 1 ]; then
	perf report -i "$work/perf.data" --no-children -g none \
		--sort dso,sym --percent-limit 0.5 --stdio \
		>"$work/perf.report" 2>/dev/null || true
	perf report -i "$work/perf.data" --no-children -g none --sort dso \
		--stdio >"$work/perf.dso" 2>/dev/null || true
	cp "$work/perf.data" "$work/perf.report" "$work/perf.dso" \
		"${TMPDIR:-/tmp}/" 2>/dev/null || true
	say "perf.data, perf.report, perf.dso saved in ${TMPDIR:-/tmp}"
fi

# per_req PERCENT NAME: CPU microseconds per request at NAME's rate.
per_req() {
	awk -v p="$1" -v r="$(field "$2" rps)" 'BEGIN { printf "%.1f", p * 1e4 / r }'
}

row() {
	local cpu
	read -r -a cpu <"$work/$2.cpu"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" \
		"$(field "$2" rps | awk '{ printf "%.0f", $1 }')" \
		"$(field "$2" p50_ms)" "$(field "$2" p99_ms)" \
		"$(field "$2" non2xx)" "$(field "$2" sockerr)" \
		"${cpu[0]}" "$(per_req "${cpu[0]}" "$2")" \
		"${cpu[1]}" "$(per_req "${cpu[1]}" "$2")"
}
# cpu_us NAME: CPU us per webhook of the server + redis-server + sink.
cpu_us() {
	local cpu
	read -r -a cpu <"$work/$1.cpu"
	per_req $((cpu[0] + cpu[1] + cpu[2])) "$1"
}
# ratio REF: towerbot's requests/s as a percentage of REF's.
ratio() {
	awk -v a="$(field towerbot rps)" -v b="$(field "$1" rps)" \
		'BEGIN { printf "%.0f", 100 * a / b }'
}
out=${TMPDIR:-/tmp}/towerbot-bench-results.md
{
	echo "$(run_stamp), wrk -t$threads -c$connections" \
		"-d$duration (after ${warmup} warm-up)."
	echo
	echo "| server | requests/s | p50 ms | p99 ms | non-2xx |" \
		"socket errors | server CPU % | server CPU us/req |" \
		"redis CPU % | redis CPU us/req |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	row "(a) ref_bare: evhttp, 200" ref_bare
	row "(b) ref_redis: parse + 1 Redis round trip" ref_redis
	row "(b') ref_redis -j: (b), parsed with jread" ref_jread
	row "(c) towerbot" towerbot
	echo
	echo "- towerbot / (b): **$(ratio ref_redis) %** of requests/s;" \
		"towerbot / (b'): $(ratio ref_jread) %"
	echo "- CPU per webhook, server + Redis + sink (steadier than" \
		"requests/s on a shared machine): (b) $(cpu_us ref_redis) us," \
		"(c) $(cpu_us towerbot) us; (b)/(c) = **$(awk \
			-v b="$(cpu_us ref_redis)" -v c="$(cpu_us towerbot)" \
			'BEGIN { printf "%.0f", 100 * b / c }') %**"
	echo "- Redis commands: (b) $(redis_calls ref_redis); (c)" \
		"$(redis_calls towerbot)"
	echo "- towerbot RSS after the run: VmHWM ${hwm} MB, VmRSS ${rss} MB"
	echo "- commands in the measured run: ${cmds}; replies the sink" \
		"received for them: ${replies} (queue drained ${drain_s} s" \
		"after the load stopped)"
} | tee "$out"
say "saved to $out"
