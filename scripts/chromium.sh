#!/usr/bin/env bash
# Install Debian's Chromium for the console's browser tests (e2e/browser).
#
#   scripts/chromium.sh install   install the chromium package if missing
#   scripts/chromium.sh path      print the browser's path
#
# The tests run it headless, on loopback only, with a fresh profile.
set -euo pipefail

die() { echo "chromium.sh: $*" >&2; exit 1; }

find_chromium() {
	for c in "${RAFTVEC_CHROMIUM:-}" chromium chromium-browser; do
		[ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
	done
	return 1
}

cmd_install() {
	if p=$(find_chromium); then
		echo "chromium.sh: $p present"
		return
	fi
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	command -v apt-get >/dev/null || die "no apt-get: install Chromium yourself and set RAFTVEC_CHROMIUM"
	echo "chromium.sh: installing Debian's chromium (about a minute the first time)"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
		{ $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends chromium >/dev/null; } ||
		die "apt-get could not install chromium"
	p=$(find_chromium) || die "chromium installed but not on PATH"
	echo "chromium.sh: installed $p ($("$p" --version 2>/dev/null || true))"
}

case "${1:-}" in
install) cmd_install ;;
path) find_chromium || die "chromium not installed; run: $0 install" ;;
*) die "usage: $0 install|path" ;;
esac
