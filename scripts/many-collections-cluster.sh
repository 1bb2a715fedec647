#!/usr/bin/env bash
# Many collections on a 3-node cluster on loopback (one replica per node of
# every shard): creates N collections with `raftvec bench collections`
# (create latency, idle CPU, memory per collection and shard groups open or
# asleep per node, then requests on random collections, which wake their
# groups), then kill -9 of every node and a restart, timing /healthz and the
# first Strong get. Idle groups sleep after HIBERNATE (default 10s here; the
# server default is 1m). IDLE sets the idle-CPU window (default 10s);
# PROFILE_DIR, if set, also takes a 30 s CPU profile of every node once the
# groups the requests woke are asleep again (nodes then run with
# --admin-api, which serves /debug/pprof). Usage:
#   scripts/many-collections-cluster.sh [N] [BASE_PORT] [HIBERNATE]
set -euo pipefail
n=${1:-10000}
base=${2:-18700}
hib=${3:-10s}
bin=${RAFTVEC_BIN:-bin/raftvec}
dir=$(mktemp -d "${TMPDIR:-/tmp}/raftvec-many-cluster.XXXXXX")
pids=()
join="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 11)),127.0.0.1:$((base + 21))"
addrs="http://127.0.0.1:$base,http://127.0.0.1:$((base + 10)),http://127.0.0.1:$((base + 20))"
logs=${LOGS_DIR:-/tmp/raftvec-many-cluster-logs}
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mkdir -p "$logs" && cp "$dir"/*.log "$logs"/ 2>/dev/null || true # kept: the node logs
  rm -rf "$dir"
}
trap cleanup EXIT
start() {
  pids=()
  for i in 0 1 2; do
    local port=$((base + 10 * i))
    "$bin" serve --node-id "node-$i" --data-dir "$dir/node-$i" --http-addr "127.0.0.1:$port" \
      --raft-addr "127.0.0.1:$((port + 1))" --join "$join" --bootstrap-expect 3 --allow-local-storage \
      --shard-hibernate-after "$hib" --log-level warn ${PROFILE_DIR:+--admin-api} >>"$dir/node-$i.log" 2>&1 &
    pids+=($!)
  done
}
. "$(dirname "$0")/wait-ok.sh"
start
for i in 0 1 2; do wait_ok "http://127.0.0.1:$((base + 10 * i))/readyz" >/dev/null; done
"$bin" bench collections --addrs "$addrs" --n "$n" --clients 8 --settle "${SETTLE:-40s}" --idle "${IDLE:-10s}" --probes 200
if [ -n "${PROFILE_DIR:-}" ]; then
  mkdir -p "$PROFILE_DIR"
  case $hib in *[0-9]s) d=${hib%s} ;; *) d=60 ;; esac
  sleep $((d + 45)) # the groups the requests woke: hibernate delay plus the 30 s read window
  prof=()
  for i in 0 1 2; do
    curl -sf -o "$PROFILE_DIR/node-$i.cpu.pprof" "http://127.0.0.1:$((base + 10 * i))/debug/pprof/profile?seconds=30" &
    prof+=($!)
  done
  wait "${prof[@]}"
  echo "idle CPU profiles (30 s): $PROFILE_DIR/node-{0,1,2}.cpu.pprof"
fi
echo "data dirs: $(du -sh "$dir" | cut -f1)"
for p in "${pids[@]}"; do kill -9 "$p"; done
wait 2>/dev/null || true
start
h=$(wait_ok "http://127.0.0.1:$base/healthz")
r=$(wait_ok "http://127.0.0.1:$base/readyz")
g=$(wait_ok "http://127.0.0.1:$base/v2/vectordb/entities/get" "{\"collectionName\":\"bc_$((n - 1))\",\"id\":[1],\"consistencyLevel\":\"Strong\"}")
echo "kill -9 restart of 3 nodes with $n collections: /healthz after ${h} ms, /readyz after $((h + r)) ms, first Strong get after $((h + r + g)) ms"
sleep 15
for i in 0 1 2; do
  curl -s "http://127.0.0.1:$((base + 10 * i))/metrics" | grep -E '^raftvec_shard_groups_(open|asleep) ' | tr '\n' ' '; echo "(node-$i after restart)"
done
