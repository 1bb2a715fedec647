#!/usr/bin/env bash
# Manage a throwaway MinIO server for raftvec's object-storage tests.
#
#   scripts/minio.sh install          build MinIO into <repo>/.cache/bin (once)
#   scripts/minio.sh start DIR PORT   serve DIR on 127.0.0.1:PORT (console PORT+1)
#   scripts/minio.sh stop DIR         stop the server started on DIR
#   scripts/minio.sh env PORT         print the RAFTVEC_TEST_MINIO_* exports
#   scripts/minio.sh free-port        print a loopback port P with P and P+1 free
#
# Loopback only, fixed test credentials; never point this at real data.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$REPO/.cache/bin"
MINIO="$BIN_DIR/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
TEST_USER="raftvec-test"
TEST_PASSWORD="raftvec-test-secret"

die() { echo "minio.sh: $*" >&2; exit 1; }

cmd_install() {
	if [ -x "$MINIO" ]; then
		echo "minio.sh: $MINIO present"
		return
	fi
	mkdir -p "$BIN_DIR"
	echo "minio.sh: building github.com/minio/minio@$MINIO_VERSION into $BIN_DIR"
	echo "minio.sh: this takes ~3 minutes the first time (downloads modules, compiles)"
	local start=$SECONDS
	GOBIN="$BIN_DIR" go install "github.com/minio/minio@$MINIO_VERSION"
	[ -x "$MINIO" ] || die "go install finished but $MINIO is missing"
	echo "minio.sh: installed in $((SECONDS - start)) s"
}

cmd_start() {
	local dir="${1:-}" port="${2:-}"
	[ -n "$dir" ] && [ -n "$port" ] || die "usage: start DIR PORT"
	[ -x "$MINIO" ] || die "$MINIO missing; run: $0 install"
	mkdir -p "$dir/data"
	local pidfile="$dir/minio.pid" log="$dir/minio.log"
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		die "already running (pid $(cat "$pidfile"))"
	fi
	MINIO_ROOT_USER="$TEST_USER" MINIO_ROOT_PASSWORD="$TEST_PASSWORD" \
		MINIO_BROWSER=off MINIO_UPDATE=off \
		nohup "$MINIO" server "$dir/data" \
		--address "127.0.0.1:$port" \
		--console-address "127.0.0.1:$((port + 1))" >"$log" 2>&1 &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + 60))
	until curl -sf "http://127.0.0.1:$port/minio/health/live" >/dev/null; do
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			tail -20 "$log" >&2 || true
			rm -f "$pidfile"
			die "minio exited during start-up (log $log)"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			tail -20 "$log" >&2 || true
			cmd_stop "$dir"
			die "minio not live on 127.0.0.1:$port after 60 s (log $log)"
		fi
		sleep 0.2
	done
	echo "minio.sh: minio live on 127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
}

# alive PID: the process exists and has not exited (an exited process that
# nobody reaped, as orphans may stay where PID 1 does not reap, is a zombie).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

cmd_stop() {
	local dir="${1:-}"
	[ -n "$dir" ] || die "usage: stop DIR"
	local pidfile="$dir/minio.pid"
	[ -f "$pidfile" ] || { echo "minio.sh: no pid file in $dir"; return 0; }
	local pid
	pid="$(cat "$pidfile")"
	if alive "$pid"; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			echo "minio.sh: pid $pid still running after 10 s: killing it (SIGKILL)"
			kill -9 "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do
				alive "$pid" || break
				sleep 0.1
			done
		fi
	fi
	rm -f "$pidfile"
	echo "minio.sh: stopped (pid $pid)"
}

cmd_env() {
	local port="${1:-}"
	[ -n "$port" ] || die "usage: env PORT"
	echo "export RAFTVEC_TEST_MINIO_ENDPOINT=127.0.0.1:$port"
	echo "export RAFTVEC_TEST_MINIO_ACCESS_KEY=$TEST_USER"
	echo "export RAFTVEC_TEST_MINIO_SECRET_KEY=$TEST_PASSWORD"
}

# port_in_use: something accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! port_in_use "$p" && ! port_in_use "$((p + 1))"; then
			echo "$p"
			return
		fi
	done
	die "no free loopback port pair found"
}

case "${1:-}" in
install) cmd_install ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
env) shift; cmd_env "$@" ;;
free-port) cmd_free_port ;;
*) die "usage: $0 install | start DIR PORT | stop DIR | env PORT | free-port" ;;
esac
