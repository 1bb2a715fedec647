#!/usr/bin/env bash
# The local demo cluster of `make cluster` and `make cluster-stop`: a MinIO
# (installed and run by scripts/minio.sh, as the tests do) and 3 data nodes,
# plus QUERY_NODES query-only nodes, on loopback, every node with the MinIO
# as its shared object storage (so segments are flushed, indexed, merged
# and compacted as in production).
#
#   scripts/cluster.sh start   start MinIO and every node not running yet; wait until all are ready
#   scripts/cluster.sh stop    SIGTERM every node and wait until each has exited (SIGKILL, said,
#                              after STOP_TIMEOUT seconds), then stop MinIO
#
# Settings (the Makefile passes them): BIN, CLUSTER_DIR, QUERY_NODES,
# CLUSTER_ARGS (extra flags for every node), MINIO_PORT (console on +1),
# STOP_TIMEOUT. Node i serves HTTP on 19520+10i and Raft on 19521+10i; data,
# logs and pid files are under CLUSTER_DIR, MinIO's under CLUSTER_DIR/minio.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${BIN:-$REPO/bin/raftvec}
CLUSTER_DIR=${CLUSTER_DIR:-./cluster-data}
QUERY_NODES=${QUERY_NODES:-0}
CLUSTER_ARGS=${CLUSTER_ARGS:-}
MINIO_PORT=${MINIO_PORT:-19510}
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
MINIO="bash $REPO/scripts/minio.sh"

http_port() { echo $((19520 + 10 * $1)); }

# running PID: the process exists, has not exited (an exited orphan that
# nothing reaped is a zombie: PID 1 need not reap) and is a raftvec.
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q raftvec
}

start_minio() {
	$MINIO install
	local pidfile="$CLUSTER_DIR/minio/minio.pid"
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "minio already running on 127.0.0.1:$MINIO_PORT"
	else
		$MINIO start "$CLUSTER_DIR/minio" "$MINIO_PORT"
	fi
}

# storage_flags prints the flags that give a node the cluster's MinIO.
storage_flags() {
	eval "$($MINIO env "$MINIO_PORT")"
	echo "--storage minio --minio-endpoint $RAFTVEC_TEST_MINIO_ENDPOINT" \
		"--minio-access-key $RAFTVEC_TEST_MINIO_ACCESS_KEY --minio-secret-key $RAFTVEC_TEST_MINIO_SECRET_KEY" \
		"--minio-bucket raftvec --minio-root cluster"
}

start_node() {
	local i=$1 join=$2 storage=$3 port roles="" pidfile="$CLUSTER_DIR/node-$1.pid"
	port=$(http_port "$i")
	[ "$i" -gt 3 ] && roles="--roles query"
	if [ -f "$pidfile" ] && running "$(cat "$pidfile")"; then
		echo "node-$i already running"
		return
	fi
	# shellcheck disable=SC2086 # word splitting of the flag lists is wanted
	nohup "$BIN" serve --node-id "node-$i" --data-dir "$CLUSTER_DIR/node-$i" \
		--http-addr "127.0.0.1:$port" --raft-addr "127.0.0.1:$((port + 1))" $roles \
		--join "$join" --bootstrap-expect 3 --admin-api $storage $CLUSTER_ARGS \
		>"$CLUSTER_DIR/node-$i.log" 2>&1 &
	echo $! >"$pidfile"
	echo "node-$i: http 127.0.0.1:$port ${roles:-(all roles)} (log $CLUSTER_DIR/node-$i.log)"
}

cmd_start() {
	mkdir -p "$CLUSTER_DIR"
	start_minio
	local storage join="127.0.0.1:19531,127.0.0.1:19541,127.0.0.1:19551" n=$((3 + QUERY_NODES)) i t port
	storage=$(storage_flags)
	for i in $(seq 1 "$n"); do start_node "$i" "$join" "$storage"; done
	for i in $(seq 1 "$n"); do
		port=$(http_port "$i")
		for t in $(seq 1 150); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
		curl -sf "127.0.0.1:$port/readyz" >/dev/null || {
			echo "node-$i (127.0.0.1:$port) not ready after 30 s; last lines of its log:"
			tail -5 "$CLUSTER_DIR/node-$i.log"
			exit 1
		}
	done
	echo "cluster ready: object storage MinIO 127.0.0.1:$MINIO_PORT (bucket raftvec, root cluster)"
}

cmd_stop() {
	local f pid pids=() names=() k t alive
	for f in "$CLUSTER_DIR"/node-*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		rm -f "$f"
		running "$pid" || continue
		pids+=("$pid")
		names+=("$(basename "$f" .pid)")
	done
	# One signal to all at once: a node that stopped earlier than the others
	# would make them log its absence as an error.
	[ "${#pids[@]}" = 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
	# A node hands off leadership of every group it leads before it exits,
	# which takes a while with many collections.
	for t in $(seq 1 $((STOP_TIMEOUT * 5))); do
		alive=0
		for pid in "${pids[@]}"; do running "$pid" && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.2
	done
	for k in "${!pids[@]}"; do
		if running "${pids[$k]}"; then
			echo "${names[$k]} (pid ${pids[$k]}) still running after ${STOP_TIMEOUT} s: killing it (SIGKILL; acknowledged writes are durable)"
			kill -KILL "${pids[$k]}" 2>/dev/null || true
			for t in $(seq 1 50); do running "${pids[$k]}" || break; sleep 0.1; done
		fi
	done
	echo "nodes stopped: ${names[*]:-none were running}"
	$MINIO stop "$CLUSTER_DIR/minio"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
*) echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
