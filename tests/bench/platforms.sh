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
per_second_max=${BENCH_MAX_RPS:-60000}

bench_name=platforms.sh
usage_lines=4,7
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

while [ $# -gt 0 ]; do
	bench_opt "$@" && { shift "$bench_shift"; continue; }
	case $1 in
	--platforms) platforms=${2:?}; shift 2 ;;
	--perf) perf_platform=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done

need_built towerbot tests/bench/bench_sink tests/bench/bench_sign
need_cmds wrk redis-server redis-cli curl

bench_start towerbot-platforms

p_bot=$port_base
p_sink=$((port_base + 1))
ports_free "$p_bot" "$p_sink"
sink=http://127.0.0.1:$p_sink

redis_start
sink_start "$work/sink.log" "$work/sink.log"

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

# wrk_run OUT PREFIX DURATION [--latency]
wrk_run() {
	local out=$1 prefix=$2 d=$3
	shift 3
	wrk_bench "$out" "$out" "$d" "$@" -s "$here/wrk/replay.lua" \
		"http://127.0.0.1:$p_bot" -- "$prefix"
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

	flushall
	bot_start "$work/towerbot.json" "$d/towerbot.stderr"
	say "$plat: ${warmup} warm-up + ${duration}"
	wrk_run "$d/warm.wrk" "$d/warm" "$warmup"
	[ "$(wrk_field "$d/warm.wrk" non2xx)" = 0 ] ||
		die "$plat: warm-up got non-2xx answers (see $d, $work/towerbot.log)"
	# let the warm-up's replies go out
	sink_settle 60
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
	sink_settle 60
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
		echo "hwm=$(vm_mb "$bot_pid" VmHWM)"
		echo "evals=$(rcli info commandstats | tr -d '\r' |
			awk -F'[:,=]' '/^cmdstat_(evalsha|fcall):/ { printf "%.1f", $7 }')"
	} >"$d/res"
	stop "$bot_pid"
	rm -f "$d"/warm.[0-9]* "$d"/meas.[0-9]*
done

res() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1/res"
}

out=${TMPDIR:-/tmp}/towerbot-platforms-results.md
tg_rps=""
{
	echo "$(run_stamp), wrk -t$threads -c$connections" \
		"-d$duration (after ${warmup} warm-up), distinct signed requests."
	echo
	echo "| platform | requests/s | vs telegram | p50 ms | p99 ms |" \
		"non-2xx | wraps | daemon CPU us/req | Redis CPU us/req |" \
		"EVAL us/call | 200s | commands | replies at sink | VmHWM MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for plat in $platforms; do
		d=$work/$plat
		rps=$(wrk_field "$d/meas.wrk" rps)
		[ "$plat" = telegram ] && tg_rps=$rps
		printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			"$plat" "$rps" \
			"$(if [ -n "$tg_rps" ]; then awk -v a="$rps" -v b="$tg_rps" \
				'BEGIN { printf "%+.0f %%", 100 * (a - b) / b }'; else echo -; fi)" \
			"$(wrk_field "$d/meas.wrk" p50_ms)" "$(wrk_field "$d/meas.wrk" p99_ms)" \
			"$(wrk_field "$d/meas.wrk" non2xx)" "$(wrk_field "$d/meas.wrk" wraps)" \
			"$(awk -v c="$(res "$d" cpu_bot)" -v r="$rps" 'BEGIN { printf "%.1f", c * 1e4 / r }')" \
			"$(awk -v c="$(res "$d" cpu_redis)" -v r="$rps" 'BEGIN { printf "%.1f", c * 1e4 / r }')" \
			"$(res "$d" evals)" "$(res "$d" ok)" "$(res "$d" cmds)" \
			"$(res "$d" replies)" "$(res "$d" hwm)"
	done
} | tee "$out"
say "saved to $out"
