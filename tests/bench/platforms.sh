#!/usr/bin/env bash
# platforms.sh -- the webhook benchmark per platform: every platform's
# signed webhook beside Telegram's, against the daemon.
#
#   tests/bench/platforms.sh [--duration 8s] [--warmup 2s] [--connections 64]
#                            [--threads 2] [--platforms "telegram slack ..."]
#                            [--perf PLATFORM] [--keep]
#
# Builds nothing: expects a built tree in $BUILD_DIR (default: build/ at
# the repository root) with towerbot, tests/bench/bench_sink and
# tests/bench/bench_sign.  For each platform, on a private redis-server
# (unix socket, no persistence, FLUSHALL before each platform) and a fresh
# daemon with one adapter per platform (api_base at bench_sink; the
# credentials are sign.c's constants): bench_sign precomputes distinct
# signed requests (own event ids, signed for now) for a warm-up and for
# the measured run, and wrk replays them (wrk/replay.lua): Telegram (secret
# header), Slack (v0 HMAC-SHA256), Feishu (encrypt_key: SHA-256 signature
# + AES-256-CBC body), DingTalk (timestamp + sign), WeCom (msg_signature +
# AES, XML), OneBot (HMAC-SHA1).  The load is wrk/telegram.lua's: 3000
# users in 300 chats, one request in five "/signup" (no activity is open:
# each gets a short reply, which goes to the sink).  Prints a Markdown
# table, saved to $TMPDIR/towerbot-platforms-results.md.  --perf PLATFORM
# records `perf record --call-graph dwarf` of the daemon during that
# platform's measured run.  Everything is on 127.0.0.1; every process
# started here is stopped on exit, also on ^C.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build}
duration=8s
warmup=2s
connections=64
threads=2
platforms="telegram slack feishu dingtalk wecom onebot"
perf_platform=""
keep=0
port_base=${BENCH_PORT_BASE:-18500}
# requests generated per second of run: above any rate seen here
per_second_max=${BENCH_MAX_RPS:-40000}

usage() {
	sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:?}; shift 2 ;;
	--warmup) warmup=${2:?}; shift 2 ;;
	--connections) connections=${2:?}; shift 2 ;;
	--threads) threads=${2:?}; shift 2 ;;
	--platforms) platforms=${2:?}; shift 2 ;;
	--perf) perf_platform=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	*) usage ;;
	esac
done

die() {
	echo "platforms.sh: $*" >&2
	exit 1
}

say() {
	echo "platforms.sh: $*" >&2
}

seconds() {
	case $1 in
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}

for b in towerbot tests/bench/bench_sink tests/bench/bench_sign; do
	[ -x "$build/$b" ] || die "$build/$b missing: cmake --build $build first"
done
for t in wrk redis-server redis-cli curl; do
	command -v "$t" >/dev/null || die "$t not found"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/towerbot-platforms.XXXXXX")
pids=()

cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		say "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget() {
	local i
	for i in "${!pids[@]}"; do
		[ "${pids[$i]}" = "$1" ] && unset 'pids[i]'
	done
	pids=("${pids[@]}")
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_port() {
	for _ in $(seq 100); do
		port_free "$1" || return 0
		sleep 0.1
	done
	die "nothing listening on 127.0.0.1:$1 (see $work)"
}

p_bot=$port_base
p_sink=$((port_base + 1))
for p in "$p_bot" "$p_sink"; do
	port_free "$p" || die "port $p busy (set BENCH_PORT_BASE)"
done
sink=http://127.0.0.1:$p_sink

sock=$work/redis.sock
rcli() {
	redis-cli -s "$sock" "$@"
}

redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
	--save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
pids+=("$redis_pid")
for _ in $(seq 100); do
	[ "$(rcli ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || die "redis-server did not start"

"$build/tests/bench/bench_sink" -p "$p_sink" >"$work/sink.log" 2>&1 &
pids+=($!)
wait_port "$p_sink"

# One adapter per platform; the credentials are those of sign.c.
rate='"rate": { "per_second": 1000000, "burst": 1000000,
                "per_chat_per_minute": 1000000 }'
cat >"$work/towerbot.json" <<EOF
{
  "listen": "127.0.0.1:$p_bot",
  "redis": "unix:$sock",
  "redis_prefix": "tb:",
  "data_dir": "$work/var",
  "lang": "en",
  "timezone": "UTC",
  "log": { "level": "info", "file": "$work/towerbot.log" },
  "adapters": {
    "tg": { "platform": "telegram",
            "token": "123456789:BENCHbenchBENCHbenchBENCHbench",
            "secret_token": "bench_secret", "api_base": "$sink", $rate },
    "sl": { "platform": "slack",
            "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
            "bot_token": "xoxb-bench-token", "api_base": "$sink/api",
            $rate },
    "fs": { "platform": "feishu", "app_id": "cli_bench",
            "app_secret": "feishu-bench-secret",
            "verification_token": "vTok-bench",
            "encrypt_key": "kFg3Xb9sQ2wLmN8pR4tV6yZ1aC5eH7jK",
            "api_base": "$sink", $rate },
    "dt": { "platform": "dingtalk", "app_key": "dingbench",
            "app_secret": "ding-bench-app-secret", "api_base": "$sink",
            "oapi_base": "$sink", "robot_code": "dingbench", $rate },
    "wc": { "platform": "wecom", "token": "myToken42",
            "encoding_aes_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "corp_id": "ww1234567890abcdef", "corp_secret": "wecom-bench",
            "agent_id": "1000002", "api_base": "$sink", $rate },
    "ob": { "platform": "onebot", "api_base": "$sink",
            "secret": "onebot-bench-secret", "self_id": "10001000", $rate }
  }
}
EOF
mkdir -p "$work/var"
"$build/towerbot" -t -c "$work/towerbot.json" >"$work/config-test.log" 2>&1 ||
	die "towerbot rejects $work/towerbot.json: $(cat "$work/config-test.log")"

cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

sink_count() {
	curl -sf "$sink/count" || echo 0
}

metric() {
	curl -sf "http://127.0.0.1:$p_bot/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}

# field FILE KEY: a value of the BENCH line.
field() {
	awk -v k="$2" '$1 == "BENCH" {
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1)
				print substr($i, length(k) + 2)
	}' "$1"
}

# wrk_run OUT PREFIX DURATION [--latency]
wrk_run() {
	local out=$1 prefix=$2 d=$3
	shift 3
	timeout $(($(seconds "$d") + 30)) wrk -t "$threads" -c "$connections" \
		-d "$d" "$@" -s "$here/wrk/replay.lua" "http://127.0.0.1:$p_bot" \
		-- "$prefix" >"$out" &
	pids+=($!)
	wait "${pids[-1]}" || die "wrk ($out) failed"
	unset 'pids[-1]'
	grep -q '^BENCH ' "$out" || die "no result from wrk ($out)"
}

n_warm=$((per_second_max * $(seconds "$warmup")))
n_meas=$((per_second_max * $(seconds "$duration")))
hz=$(getconf CLK_TCK)

for plat in $platforms; do
	d=$work/$plat
	mkdir -p "$d"
	say "$plat: generating $n_warm + $n_meas signed requests"
	"$build/tests/bench/bench_sign" -P "$plat" -n "$n_warm" -t "$threads" \
		-s "$sink" -o "$d/warm" -b 0 || die "bench_sign $plat failed"
	"$build/tests/bench/bench_sign" -P "$plat" -n "$n_meas" -t "$threads" \
		-s "$sink" -o "$d/meas" -b 5000000 || die "bench_sign $plat failed"

	rcli flushall >/dev/null
	"$build/towerbot" -c "$work/towerbot.json" >"$d/towerbot.stderr" 2>&1 &
	bot_pid=$!
	pids+=("$bot_pid")
	wait_port "$p_bot"
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$p_bot/healthz" >/dev/null && break
		sleep 0.1
	done
	say "$plat: ${warmup} warm-up + ${duration}"
	wrk_run "$d/warm.wrk" "$d/warm" "$warmup"
	[ "$(field "$d/warm.wrk" non2xx)" = 0 ] ||
		die "$plat: warm-up got non-2xx answers (see $d, $work/towerbot.log)"
	# let the warm-up's replies go out
	prev=-1
	for _ in $(seq 60); do
		now=$(sink_count)
		[ "$now" = "$prev" ] && break
		prev=$now
		sleep 0.5
	done
	sink0=$(sink_count)
	ok0=$(metric 'towerbot_webhooks_total{status="200"}')
	cmd0=$(metric towerbot_commands_total)
	dup0=$(metric towerbot_webhook_duplicates_total)
	rcli config resetstat >/dev/null
	if [ "$perf_platform" = "$plat" ]; then
		perf record --call-graph dwarf,16384 -F 299 -p "$bot_pid" \
			-o "$work/perf.data" >"$work/perf.log" 2>&1 &
		perf_pid=$!
		pids+=("$perf_pid")
	fi
	s0=$(cpu_ticks "$bot_pid")
	r0=$(cpu_ticks "$redis_pid")
	t0=$(date +%s%N)
	wrk_run "$d/meas.wrk" "$d/meas" "$duration" --latency
	s1=$(cpu_ticks "$bot_pid")
	r1=$(cpu_ticks "$redis_pid")
	t1=$(date +%s%N)
	if [ "$perf_platform" = "$plat" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		forget "$perf_pid"
		perf report -i "$work/perf.data" --no-children -g none \
			--sort dso,sym --percent-limit 0.7 --stdio \
			>"$work/perf.report" 2>/dev/null || true
		cp "$work/perf.data" "$work/perf.report" "${TMPDIR:-/tmp}/" \
			2>/dev/null || true
		say "perf.data and perf.report saved in ${TMPDIR:-/tmp}"
	fi
	prev=-1
	for _ in $(seq 60); do
		now=$(sink_count)
		[ "$now" = "$prev" ] && break
		prev=$now
		sleep 0.5
	done
	{
		echo "cpu_bot=$(awk -v s="$((s1 - s0))" -v hz="$hz" \
			-v t="$((t1 - t0))" 'BEGIN { printf "%.0f", 100 * s / hz / (t / 1e9) }')"
		echo "cpu_redis=$(awk -v s="$((r1 - r0))" -v hz="$hz" \
			-v t="$((t1 - t0))" 'BEGIN { printf "%.0f", 100 * s / hz / (t / 1e9) }')"
		echo "ok=$(($(metric 'towerbot_webhooks_total{status="200"}') - ok0))"
		echo "cmds=$(($(metric towerbot_commands_total) - cmd0))"
		echo "dups=$(($(metric towerbot_webhook_duplicates_total) - dup0))"
		echo "replies=$(($(sink_count) - sink0))"
		echo "retries=$(metric 'towerbot_deliveries_total{outcome="retry"}')"
		echo "hwm=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' \
			"/proc/$bot_pid/status")"
		echo "evals=$(rcli info commandstats | tr -d '\r' |
			awk -F'[:,=]' '/^cmdstat_(evalsha|fcall):/ { printf "%.1f", $7 }')"
	} >"$d/res"
	kill "$bot_pid"
	wait "$bot_pid" || true
	forget "$bot_pid"
	rm -f "$d"/warm.[0-9]* "$d"/meas.[0-9]*
done

res() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1/res"
}

out=${TMPDIR:-/tmp}/towerbot-platforms-results.md
tg_rps=""
{
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs" \
		"($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
			head -1)), wrk -t$threads -c$connections" \
		"-d$duration (after ${warmup} warm-up), distinct signed requests."
	echo
	echo "| platform | requests/s | vs telegram | p50 ms | p99 ms |" \
		"non-2xx | wraps | daemon CPU us/req | Redis CPU us/req |" \
		"EVAL us/call | 200s | commands | replies at sink | VmHWM MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for plat in $platforms; do
		d=$work/$plat
		rps=$(field "$d/meas.wrk" rps)
		[ "$plat" = telegram ] && tg_rps=$rps
		printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			"$plat" "$rps" \
			"$(if [ -n "$tg_rps" ]; then awk -v a="$rps" -v b="$tg_rps" \
				'BEGIN { printf "%+.0f %%", 100 * (a - b) / b }'; else echo -; fi)" \
			"$(field "$d/meas.wrk" p50_ms)" "$(field "$d/meas.wrk" p99_ms)" \
			"$(field "$d/meas.wrk" non2xx)" "$(field "$d/meas.wrk" wraps)" \
			"$(awk -v c="$(res "$d" cpu_bot)" -v r="$rps" 'BEGIN { printf "%.1f", c * 1e4 / r }')" \
			"$(awk -v c="$(res "$d" cpu_redis)" -v r="$rps" 'BEGIN { printf "%.1f", c * 1e4 / r }')" \
			"$(res "$d" evals)" "$(res "$d" ok)" "$(res "$d" cmds)" \
			"$(res "$d" replies)" "$(res "$d" hwm)"
	done
} | tee "$out"
say "saved to $out"
