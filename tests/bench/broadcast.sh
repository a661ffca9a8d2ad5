#!/usr/bin/env bash
# broadcast.sh -- the towerbot broadcast benchmark (tower, SPEC section 5).
#
#   tests/bench/broadcast.sh [--phase a|b|all] [--accounts 4] [--rate 400]
#                            [--normal] [--perf] [--keep]
#
# Builds nothing: expects a built tree in $BUILD_DIR (default: build/ at
# the repository root) with towerbot, bot/ctl/towerctl, bot/ctl/gen_city
# and tests/bench/bench_sink.  On a private redis-server (unix socket, no
# persistence) it imports the reference city (gen_city: 37,074 chats) into
# the daemon with towerctl, then sends one `towerctl broadcast city
# --urgent TEXT` and waits until bench_sink (the Bot API) has every
# sendMessage:
#   (a) limits lifted: one Telegram identity, per_second 1e6, burst 1e6,
#       per_chat_per_minute 60000: enqueue time (the daemon's
#       "comp=broadcast ... outcome=enqueued ms=" line), deliveries per
#       second at the sink, total time, daemon VmHWM, Redis used_memory;
#   (b) per-account limits: --accounts identities (the CSV's identity
#       column spreads the chats over them) of --rate sends a second,
#       burst 1, 20 a minute per chat: completion time against chats /
#       total rate, and the sink's count of sliding 1 s windows in which
#       an account got more than its rate and of 60 s windows in which a
#       chat got more than 20 (the daemon logs at debug here, so the same
#       check also runs on its send times, to tell the daemon's grants from
#       loopback jitter).
# --normal sends a normal broadcast instead (stream :n, read by the other
# reader, held up to 8 s of the identity's rate instead of 2048 entries).
# --perf records `perf record --call-graph dwarf` of the daemon during
# (a)'s delivery.
# --keep keeps the work directory.  Everything listens on 127.0.0.1 only;
# every process started here is stopped on exit, also on ^C.  The results
# are printed and saved to $TMPDIR/towerbot-broadcast-results.md.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build}
phase=all
naccounts=4
rate=400
per_chat=20
perf=0
keep=0
prio=urgent
port_base=${BENCH_PORT_BASE:-18490}
admin=bench-admin-token-0123456789
chats_expected=37074

bench_name=broadcast.sh
usage_lines=3,5
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--phase) phase=${2:?}; shift 2 ;;
	--accounts) naccounts=${2:?}; shift 2 ;;
	--rate) rate=${2:?}; shift 2 ;;
	--normal) prio=normal; shift ;;
	--perf) perf=1; shift ;;
	--keep) keep=1; shift ;;
	*) usage ;;
	esac
done
case $phase in a | b | all) ;; *) usage ;; esac

need_built towerbot bot/ctl/towerctl bot/ctl/gen_city tests/bench/bench_sink
need_cmds redis-server redis-cli curl

bench_start towerbot-bcast

p_bot=$port_base
p_sink=$((port_base + 1))
ports_free "$p_bot" "$p_sink"

redis_start

now_us() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000))
}

used_memory() {
	rcli info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

mb() {
	awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'
}

# phase NAME LOGLEVEL PER_SECOND BURST PER_CHAT_MIN ACCOUNTS TIMEOUT_S:
# one daemon + sink, import, broadcast, wait; leaves key=value lines in
# $work/NAME.res.
phase() {
	local name=$1 level=$2 ps=$3 burst=$4 pcm=$5 accts=$6 tmo=$7
	local dir accounts_json="" a i t0 t1 bot_pid sink_pid
	local mem0 mem_enq="" mem_max=0 m n enq_line perf_pid="" alist
	dir=$work/$name
	mkdir -p "$dir/var"
	flushall
	rcli config resetstat >/dev/null
	IFS=, read -r -a alist <<<"$accts"
	for i in "${!alist[@]}"; do
		a=${alist[$i]}
		[ "$i" = 0 ] || accounts_json+=", "
		accounts_json+="\"$a\": { \"token\": \"$((i + 1)):BENCH$a\","
		accounts_json+=" \"rate\": { \"per_second\": $ps,"
		accounts_json+=" \"burst\": $burst, \"per_chat_per_minute\": $pcm } }"
	done
	cat >"$dir/towerbot.json" <<EOF
{
  "listen": "127.0.0.1:$p_bot",
  "redis": "unix:$sock",
  "redis_prefix": "tb:",
  "data_dir": "$dir/var",
  "lang": "en",
  "timezone": "UTC",
  "log": { "level": "$level", "file": "$dir/towerbot.log" },
  "admin_token": "$admin",
  "adapters": {
    "tg": {
      "platform": "telegram",
      "secret_token": "bench_secret",
      "api_base": "http://127.0.0.1:$p_sink",
      "accounts": { $accounts_json }
    }
  }
}
EOF
	"$build/towerbot" -t -c "$dir/towerbot.json" >/dev/null ||
		die "towerbot rejects $dir/towerbot.json"
	sink_start "$dir/sink.out" "$dir/sink.err" -r "$dir/arrivals" \
		-a "$ps" -m "$pcm"
	bot_start "$dir/towerbot.json" "$dir/towerbot.stderr"

	"$build/bot/ctl/gen_city" --adapter tg --accounts "$accts" \
		>"$dir/city.csv"
	t0=$(now_us)
	timeout 300 "$build/bot/ctl/towerctl" -c "$dir/towerbot.json" \
		import "$dir/city.csv" >"$dir/import.out" ||
		die "import failed (see $dir)"
	t1=$(now_us)
	say "($name) imported: $(cat "$dir/import.out") in" \
		"$(((t1 - t0) / 1000)) ms"
	mem0=$(used_memory)

	if [ "$perf" = 1 ] && [ "$name" = a ]; then
		command -v perf >/dev/null || die "perf not found"
		perf record --call-graph dwarf,16384 -F 499 -p "$bot_pid" \
			-o "$work/perf.data" \
			>"$work/perf.log" 2>&1 &
		perf_pid=$!
		pids+=("$perf_pid")
		sleep 0.5
	fi
	t0=$(now_us)
	timeout 120 "$build/bot/ctl/towerctl" -c "$dir/towerbot.json" \
		broadcast city ${urgent_flag:+"$urgent_flag"} \
		"Bench drill: please reply 收到" \
		>"$dir/broadcast.out" || die "broadcast failed (see $dir)"
	say "($name) $(cat "$dir/broadcast.out")"
	n=0
	for _ in $(seq $((tmo * 5))); do
		n=$(sink_count)
		m=$(used_memory)
		[ "$m" -gt "$mem_max" ] && mem_max=$m
		if [ -z "$mem_enq" ] &&
			grep -q 'comp=broadcast.*outcome=enqueued' \
				"$dir/towerbot.log"; then
			mem_enq=$m
		fi
		[ "$n" -ge "$chats_expected" ] && break
		sleep 0.2
	done
	t1=$(now_us)
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		forget "$perf_pid"
		perf report -i "$work/perf.data" --no-children --sort dso,sym \
			--percent-limit 1 --stdio -g none >"$work/perf.report" \
			2>/dev/null || true
		cp "$work/perf.data" "$work/perf.report" "${TMPDIR:-/tmp}/" \
			2>/dev/null || true
		say "perf.data and perf.report saved in ${TMPDIR:-/tmp}"
	fi
	[ "$n" -ge "$chats_expected" ] ||
		say "($name) only $n of $chats_expected arrived in ${tmo} s"
	sleep 1 # late duplicates, if any, are counted too
	enq_line=$(grep 'comp=broadcast.*outcome=enqueued' "$dir/towerbot.log" |
		tail -1 || true)
	{
		echo "import_out=$(cat "$dir/import.out")"
		echo "plan=$(cat "$dir/broadcast.out")"
		echo "enqueue_ms=$(echo "$enq_line" |
			sed -n 's/.* ms=\([0-9.]*\).*/\1/p')"
		echo "mem0=$mem0"
		echo "mem_enq=${mem_enq:-$mem_max}"
		echo "mem_max=$mem_max"
		echo "mem_end=$(used_memory)"
		echo "hwm_kb=$(vm_kb "$bot_pid" VmHWM)"
		echo "t0_us=$t0"
		echo "polled_us=$t1"
		echo "inflight_end=$(curl -sf "http://127.0.0.1:$p_bot/metrics" |
			awk '$1 ~ /deliver.*(retry|unknown|dead)/ { printf "%s=%s ", $1, $2 }')"
	} >"$dir/res"
	rcli info commandstats | tr -d '\r' |
		grep -E '^cmdstat_(evalsha|fcall|xreadgroup|xadd|xack|xdel):' \
			>"$dir/commandstats" || true
	stop "$bot_pid"
	stop "$sink_pid"
	cat "$dir/sink.out" >>"$dir/res"
}

# rate_stats DIR: from the sink's arrivals: n, the steady rate (10th to
# 90th percentile of arrivals), the busiest and quietest full seconds.
rate_stats() {
	sort -n "$1/arrivals" | awk '{ t[NR] = $1 } END {
		n = NR; if (n < 10) { print "n=" n; exit }
		a = t[int(n * 0.1)]; b = t[int(n * 0.9)]
		printf "n=%d steady=%.0f span_s=%.3f", n,
		    (int(n * 0.9) - int(n * 0.1)) / ((b - a) / 1e6),
		    (t[n] - t[1]) / 1e6
		# per-second histogram over full seconds
		for (i = 1; i <= n; i++) s[int((t[i] - t[1]) / 1e6)]++
		last = int((t[n] - t[1]) / 1e6); mx = 0; mn = -1
		for (k = 0; k < last; k++) {
			if (s[k] > mx) mx = s[k]
			if (mn < 0 || s[k] < mn) mn = s[k]
		}
		printf " sec_max=%d sec_min=%d", mx, (mn < 0 ? 0 : mn)
		# pauses: gaps of 100 ms or more between two arrivals
		for (i = 2; i <= n; i++)
			if (t[i] - t[i - 1] >= 1e5) { g++; gs += t[i] - t[i - 1] }
		printf " gaps=%d gap_s=%.2f burst_rate=%.0f\n", g, gs / 1e6,
		    (n - 1) / ((t[n] - t[1] - gs) / 1e6)
	}'
}

# res DIR KEY
res() {
	awk -v k="$2" 'index($0, k "=") == 1 || index($0, k ": ") == 1 {
		print substr($0, length(k) + 2) }' \
		"$1/res" | tail -1
}

# ms_of_log_ts: "ts=2026-11-29T06:42:35.573+00:00" -> ms of the day.
# send_times DIR: the daemon's send start (log ts - transfer ms) of every
# sent Telegram message, as "ms account" lines (account from the CSV).
send_times() {
	awk -F, 'NR > 1 && $5 == "tg" { print $6, $8 }' "$1/city.csv" \
		>"$1/chat_acct"
	awk 'NR == FNR { acct[$1] = $2; next }
	/comp=outbox/ && /outcome=sent/ {
		ts = ""; chat = ""; ms = 0
		for (i = 1; i <= NF; i++) {
			if (index($i, "ts=") == 1) ts = substr($i, 4)
			else if (index($i, "chat=") == 1) chat = substr($i, 6)
			else if (index($i, "ms=") == 1) ms = substr($i, 4) + 0
		}
		h = substr(ts, 12, 2); m = substr(ts, 15, 2)
		s = substr(ts, 18, 6)
		t = ((h * 60 + m) * 60 + s) * 1000
		if (first == "") first = t
		if (t < first - 43200000) t += 86400000
		printf "%.1f %s %s\n", t - ms, acct[chat], chat
	}' "$1/chat_acct" "$1/towerbot.log" >"$1/sends"
}

# window_check FILE KEYCOL WINDOW_MS LIMIT: sliding windows over "ms key"
# lines: "max=M violations=V" (windows [t, t + W) with more than LIMIT).
window_check() {
	sort -k"$2,$2" -k1,1n "$1" | awk -v kc="$2" -v w="$3" -v lim="$4" '
	function flush(   i, j) {
		j = 1
		for (i = 1; i <= c; i++) {
			if (j < i) j = i
			while (j <= c && t[j] < t[i] + w) j++
			if (j - i > mx) mx = j - i
			if (j - i > lim) v++
		}
		c = 0
	}
	{ if ($kc != key) { flush(); key = $kc } t[++c] = $1 }
	END { flush(); printf "max=%d violations=%d\n", mx, v + 0 }'
}

urgent_flag=""
[ "$prio" = urgent ] && urgent_flag=--urgent
out=${TMPDIR:-/tmp}/towerbot-broadcast-results.md
: >"$work/report.md"

if [ "$phase" = a ] || [ "$phase" = all ]; then
	say "(a) limits lifted: one identity, 1e6/s"
	phase a info 1000000 1000000 60000 a1 120
	d=$work/a
	read -r -a st <<<"$(rate_stats "$d")"
	first=$(res "$d" first_us)
	last=$(res "$d" last_us)
	t0=$(res "$d" t0_us)
	{
		echo "### (a) limits lifted, one $prio broadcast"
		echo
		echo "| measure | value | target |"
		echo "|---|---:|---|"
		echo "| chats delivered (sink) | ${st[0]#n=} of $chats_expected | all |"
		echo "| enqueue (daemon log) | $(res "$d" enqueue_ms) ms | < 1000 ms |"
		echo "| steady rate at the sink (10th-90th pct of arrivals) | ${st[1]#steady=} /s | >= 20000 /s |"
		echo "| busiest / quietest full second | ${st[3]#sec_max=} / ${st[4]#sec_min=} | |"
		echo "| pauses (>= 100 ms without an arrival): count, total | ${st[5]#gaps=}, ${st[6]#gap_s=} s | |"
		echo "| rate between the pauses | ${st[7]#burst_rate=} /s | |"
		echo "| first arrival after the broadcast command | $(awk -v a="$first" -v b="$t0" 'BEGIN { printf "%.3f", (a - b) / 1e6 }') s | |"
		echo "| total: command to last arrival | $(awk -v a="$last" -v b="$t0" 'BEGIN { printf "%.2f", (a - b) / 1e6 }') s | |"
		echo "| daemon VmHWM | $(awk -v k="$(res "$d" hwm_kb)" 'BEGIN { printf "%.1f", k / 1024 }') MB | < 64 MB |"
		echo "| Redis used_memory: after import / enqueued / max / after delivery | $(mb "$(res "$d" mem0)") / $(mb "$(res "$d" mem_enq)") / $(mb "$(res "$d" mem_max)") / $(mb "$(res "$d" mem_end)") MB | |"
		echo
		echo "- planner: $(res "$d" plan)"
		echo "- Redis: $(tr '\n' ' ' <"$d/commandstats")"
		echo
	} >>"$work/report.md"
fi

if [ "$phase" = b ] || [ "$phase" = all ]; then
	accts=$(seq -s, -f 'a%g' 1 "$naccounts")
	total=$(awk -v n="$naccounts" -v r="$rate" 'BEGIN { print n * r }')
	say "(b) $naccounts identities x $rate/s, burst 1, $per_chat/min a chat"
	phase b debug "$rate" 1 "$per_chat" "$accts" \
		"$(awk -v c="$chats_expected" -v t="$total" \
			'BEGIN { printf "%d", 2 * c / t + 60 }')"
	d=$work/b
	read -r -a st <<<"$(rate_stats "$d")"
	last=$(res "$d" last_us)
	t0=$(res "$d" t0_us)
	send_times "$d"
	# The busiest identity holds ceil(chats / accounts) chats.
	per_acct=$(((chats_expected + naccounts - 1) / naccounts))
	theo=$(awk -v c="$per_acct" -v r="$rate" 'BEGIN { printf "%.2f", c / r }')
	took=$(awk -v a="$last" -v b="$t0" 'BEGIN { printf "%.2f", (a - b) / 1e6 }')
	{
		echo "### (b) one $prio broadcast, $naccounts identities x $rate/s, burst 1," \
			"$per_chat/min per chat"
		echo
		echo "| measure | value | target |"
		echo "|---|---:|---|"
		echo "| chats delivered (sink) | ${st[0]#n=} of $chats_expected | all |"
		echo "| enqueue (daemon log) | $(res "$d" enqueue_ms) ms | < 1000 ms |"
		echo "| completion: command to last arrival | $took s | |"
		echo "| theoretical minimum, $per_acct chats / $rate/s | $theo s | within 5 %: $(awk -v a="$took" -v b="$theo" 'BEGIN { printf "%+.1f %%", 100 * (a - b) / b }') |"
		echo "| steady rate at the sink, all identities | ${st[1]#steady=} /s | $total /s configured |"
		echo "| sink: accounts, most sends in 1 s, windows > $rate | $(res "$d" accounts) | 0 violations |"
		echo "| sink: chats, most sends in 60 s, windows > $per_chat | $(res "$d" chats) | 0 violations |"
		echo "| daemon send starts (log ts - transfer ms), per account 1 s | $(window_check "$d/sends" 2 1000 "$rate") | 0 violations |"
		echo "| daemon send starts, per chat 60 s | $(window_check "$d/sends" 3 60000 "$per_chat") | 0 violations |"
		echo "| daemon VmHWM | $(awk -v k="$(res "$d" hwm_kb)" 'BEGIN { printf "%.1f", k / 1024 }') MB | < 64 MB |"
		echo
		echo "- planner: $(res "$d" plan)"
		echo "- Redis: $(tr '\n' ' ' <"$d/commandstats")"
		echo
	} >>"$work/report.md"
fi

{
	echo "$(run_stamp)."
	echo
	cat "$work/report.md"
} | tee "$out"
say "saved to $out"
