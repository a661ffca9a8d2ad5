# lib.sh -- process management shared by the benchmark scripts (run.sh,
# broadcast.sh, platforms.sh); sourced, not run.
#
# The sourcing script sets, before it calls anything here:
#   bench_name   its name, the prefix of every message ("run.sh");
#   usage_lines  the sed range of its own header that `usage` prints;
#   here, build  the script's directory and the build tree;
#   keep         1 to keep the work directory on exit (bench_opt sets it);
#   p_bot, p_sink  the daemon's and bench_sink's ports, before the daemon or
#                the sink is started.
# bench_opt sets duration, warmup, connections, threads and keep.
# bench_start sets work, pids and see; redis_start sets sock and redis_pid;
# sink_start sets sink_pid; bot_start sets bot_pid.  Everything listens on
# 127.0.0.1 or on a unix socket in the work directory.
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # globals set here are read by the scripts
# shellcheck disable=SC2154 # globals read here are set by the scripts

# usage: print the synopsis (the header lines usage_lines) and exit 2.
usage() {
	sed -n "${usage_lines}p" "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# bench_opt ARGS...: take one common option off the front of ARGS:
# --duration D, --warmup D, --connections N, --threads N or --keep.
# Sets bench_shift to the number of words used; returns 1 (using none) if
# $1 is not one of them.
bench_opt() {
	bench_shift=2
	case $1 in
	--duration) duration=${2:?} ;;
	--warmup) warmup=${2:?} ;;
	--connections) connections=${2:?} ;;
	--threads) threads=${2:?} ;;
	--keep) keep=1; bench_shift=1 ;;
	*) bench_shift=0; return 1 ;;
	esac
}

# die MESSAGE...: print "NAME: MESSAGE" on stderr and exit 1 (the EXIT
# trap then stops everything).
die() {
	echo "$bench_name: $*" >&2
	exit 1
}

# say MESSAGE...: print "NAME: MESSAGE" on stderr.
say() {
	echo "$bench_name: $*" >&2
}

# seconds DURATION: "20s" / "2m" / "20" -> seconds, for the time bounds.
seconds() {
	case $1 in
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}

# need_built PATH...: die unless every PATH (relative to $build) is an
# executable.
need_built() {
	local b
	for b in "$@"; do
		[ -x "$build/$b" ] ||
			die "$build/$b missing: cmake --build $build first"
	done
}

# need_cmds NAME...: die unless every NAME is a command on $PATH.
need_cmds() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t not found"
	done
}

# bench_start PREFIX: create the work directory $TMPDIR/PREFIX.XXXXXX as
# $work (also the default of $see, the "see ..." hint of wait_port), start
# the empty $pids list and install the traps: cleanup on exit, exit 130 on
# INT and 143 on TERM (so that cleanup runs on ^C too).  Call it at the top
# level of the script, not in a $(...).
bench_start() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	see=$work
	pids=()
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# cleanup: the EXIT trap.  Sends TERM to every process in $pids, gives
# each up to 5 s to go, then KILLs and reaps it; removes the work
# directory unless keep=1 (then says where it is).
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		# bounded: a process that ignores TERM gets KILL after 5 s
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

# forget PID: drop a stopped process from the cleanup list.
forget() {
	local i
	for i in "${!pids[@]}"; do
		[ "${pids[$i]}" = "$1" ] && unset 'pids[i]'
	done
	pids=("${pids[@]}")
}

# stop PID: TERM a process started here, reap it (its exit status is
# ignored) and forget it.
stop() {
	kill "$1"
	wait "$1" || true
	forget "$1"
}

# wait_bg WHAT: wait for the last process added to $pids (started in the
# background so that a signal stops us at once), forget it; die "WHAT
# failed" if it failed.
wait_bg() {
	wait "${pids[-1]}" || die "$1 failed"
	unset 'pids[-1]'
}

# wrk_bench LABEL OUT DURATION ARGS...: run `wrk -t $threads -c
# $connections -d DURATION ARGS...` (bounded by DURATION + 30 s) with its
# output in OUT, in the background so that a signal stops us at once; die
# "wrk (LABEL) failed" if it fails or leaves no BENCH line.
wrk_bench() {
	local label=$1 out=$2 d=$3
	shift 3
	timeout $(($(seconds "$d") + 30)) wrk -t "$threads" -c "$connections" \
		-d "$d" "$@" >"$out" &
	pids+=($!)
	wait_bg "wrk ($label)"
	grep -q '^BENCH ' "$out" || die "no result from wrk ($label)"
}

# port_free PORT: true if nothing accepts on 127.0.0.1:PORT.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ports_free PORT...: die unless every PORT is free.
ports_free() {
	local p
	for p in "$@"; do
		port_free "$p" || die "port $p busy (set BENCH_PORT_BASE)"
	done
}

# wait_port PORT: wait up to 10 s for 127.0.0.1:PORT to accept, else die
# pointing at $see.
wait_port() {
	for _ in $(seq 100); do
		port_free "$1" || return 0
		sleep 0.1
	done
	die "nothing listening on 127.0.0.1:$1 (see $see)"
}

# rcli ARGS...: redis-cli on the private redis-server.
rcli() {
	redis-cli -s "$sock" "$@"
}

# redis_start: start the private redis-server on the unix socket
# $work/redis.sock ($sock; no TCP port, no persistence, log in
# $work/redis.log) as $redis_pid and wait up to 10 s for its PONG.
redis_start() {
	sock=$work/redis.sock
	redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
		--save "" --appendonly no --dir "$work" \
		--logfile "$work/redis.log" &
	redis_pid=$!
	pids+=("$redis_pid")
	for _ in $(seq 100); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && break
		sleep 0.1
	done
	[ "$(rcli ping 2>/dev/null)" = PONG ] || die "redis-server did not start"
}

# flushall: empty the private Redis.
flushall() {
	rcli flushall >/dev/null
}

# sink_start OUT ERR [ARGS...]: start bench_sink on $p_sink with ARGS,
# stdout to OUT and stderr to ERR (the same file if ERR = OUT), as
# $sink_pid; wait for its port.
sink_start() {
	local out=$1 err=$2
	shift 2
	if [ "$err" = "$out" ]; then
		"$build/tests/bench/bench_sink" -p "$p_sink" "$@" >"$out" 2>&1 &
	else
		"$build/tests/bench/bench_sink" -p "$p_sink" "$@" >"$out" \
			2>"$err" &
	fi
	sink_pid=$!
	pids+=("$sink_pid")
	wait_port "$p_sink"
}

# sink_count: the number of requests bench_sink has received (0 if it
# does not answer).
sink_count() {
	curl -sf "http://127.0.0.1:$p_sink/count" || echo 0
}

# sink_settle TRIES: poll the sink's count every 0.5 s, at most TRIES
# times, until it stops moving (the replies still queued have gone out).
sink_settle() {
	local prev=-1 now
	for _ in $(seq "$1"); do
		now=$(sink_count)
		[ "$now" = "$prev" ] && break
		prev=$now
		sleep 0.5
	done
}

# bot_start CONFIG STDERR: start the daemon with CONFIG (stdout and
# stderr to STDERR) as $bot_pid; wait for $p_bot, then up to 10 s for
# /healthz.
bot_start() {
	"$build/towerbot" -c "$1" >"$2" 2>&1 &
	bot_pid=$!
	pids+=("$bot_pid")
	wait_port "$p_bot"
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$p_bot/healthz" >/dev/null && break
		sleep 0.1
	done
}

# metric NAME: a towerbot counter from /metrics.
metric() {
	curl -sf "http://127.0.0.1:$p_bot/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# vm_kb PID KEY: a /proc/PID/status memory figure (VmHWM, VmRSS) in kB.
vm_kb() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# vm_mb PID KEY: the same in MB, one decimal.
vm_mb() {
	awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' \
		"/proc/$1/status"
}

# wrk_field FILE KEY: a value of the BENCH line in wrk's output FILE.
wrk_field() {
	awk -v k="$2" '$1 == "BENCH" {
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1)
				print substr($i, length(k) + 2)
	}' "$1"
}

# run_stamp: "Run DATE UTC, N CPUs (CPU MODEL)", the start of a results
# header.
run_stamp() {
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs" \
		"($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
			head -1))"
}
