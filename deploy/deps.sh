#!/usr/bin/env bash
# deps.sh -- install towerbot's Debian 12 build and run dependencies when
# any is missing.  Sourced by deploy/demo.sh and tests/run.sh; also fine to
# run on its own.  Needs root (or sudo) only when something is missing.
set -euo pipefail

towerbot_packages=(build-essential cmake pkg-config libevent-dev
	libhiredis-dev libcurl4-openssl-dev libjansson-dev libssl-dev check
	redis-server curl)

towerbot_deps() {
	local missing=() p
	for p in "${towerbot_packages[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	towerbot_deps "$@"
fi
