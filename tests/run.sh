#!/usr/bin/env bash
# run.sh -- the whole test suite, as CI runs it: installs what is missing,
# builds warning-free (-Werror), runs every Check suite through ctest (the
# Redis tests start and stop their own private redis-server on a unix
# socket in a temp dir), then the same under ASan+UBSan, then the
# clang-format check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=deploy/deps.sh
. "$top/deploy/deps.sh"
towerbot_deps clang-format
jobs=$(nproc)

step() { printf '\n== %s\n' "$*"; }

step "build (-Werror)"
cmake -S "$top" -B "$top/build-test" -DTOWERBOT_WERROR=ON >/dev/null
cmake --build "$top/build-test" -j"$jobs"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

step "tests"
(cd "$top/build-test" && ctest -j"$jobs" --output-on-failure --timeout 600) |
	tee -a "$log"

step "build (ASan + UBSan)"
cmake -S "$top" -B "$top/build-asan" -DTOWERBOT_WERROR=ON \
	-DTOWERBOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$top/build-asan" -j"$jobs"

step "tests under ASan + UBSan (in-process)"
(cd "$top/build-asan" &&
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest -j"$jobs" --output-on-failure --timeout 900) | tee -a "$log"

step "clang-format"
cd "$top"
git ls-files -z -- '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror

# One closing line for both runs: "tests: N passed, 0 failed".
total=$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$log" |
	awk '{ n += $1 } END { print n + 0 }')
echo
echo "tests: $total passed, 0 failed"
