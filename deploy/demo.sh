#!/usr/bin/env bash
# demo.sh -- build towerbot and run it with the console adapter on the
# embedded default: it starts its own private redis-server under ./var.
# Type lines as "CHAT USER: TEXT", e.g.  g1 alice: /help
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=deploy/deps.sh
. "$top/deploy/deps.sh"
towerbot_deps
build=${BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target towerbot >/dev/null
cat >&2 <<'MSG'
towerbot console demo: alice is an operator.  Try:
  g1 alice: /newactivity Park cleanup 2030-05-01 09:00 cap=2
  g1 bob: /signup
  g1 carol: 报名
  g1 bob: /me
  g1 dave: /help
Ctrl-D or Ctrl-C stops it.
MSG
cd "$top"
exec "$build/towerbot" -c "${1:-$top/config/console.json}"
