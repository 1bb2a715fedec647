#!/usr/bin/env bash
# Many collections on one standalone node: creates N collections with
# `raftvec bench collections` (create latency, idle CPU, memory per
# collection, request latency), then kill -9 and restart, timing /healthz
# and the first Strong get. Usage: scripts/many-collections.sh [N] [PORT]
set -euo pipefail
n=${1:-1000}
port=${2:-18630}
bin=${RAFTVEC_BIN:-bin/raftvec}
dir=$(mktemp -d "${TMPDIR:-/tmp}/raftvec-many.XXXXXX")
pid=
trap '[ -n "$pid" ] && { kill -9 "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$dir"' EXIT
start() {
  "$bin" standalone --data-dir "$dir/data" --http-addr "127.0.0.1:$port" --raft-addr "127.0.0.1:$((port + 1))" \
    --log-level warn >>"$dir/log" 2>&1 &
  pid=$!
}
. "$(dirname "$0")/wait-ok.sh"
start
wait_ok "http://127.0.0.1:$port/readyz" >/dev/null
"$bin" bench collections --addr "http://127.0.0.1:$port" --n "$n" --clients 4 --idle 10s --probes 200
echo "data dir: $(du -sh "$dir/data" | cut -f1)"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start
h=$(wait_ok "http://127.0.0.1:$port/healthz")
r=$(wait_ok "http://127.0.0.1:$port/readyz")
g=$(wait_ok "http://127.0.0.1:$port/v2/vectordb/entities/get" "{\"collectionName\":\"bc_$((n - 1))\",\"id\":[1],\"consistencyLevel\":\"Strong\"}")
echo "kill -9 restart with $n collections: /healthz after ${h} ms, /readyz after $((h + r)) ms, first Strong get after $((h + r + g)) ms"
