#!/usr/bin/env bash
# Query nodes on loopback (README "Node roles"): a cluster on one MinIO
# (started here with scripts/minio.sh), QUERY (default 2) query-only nodes
# beside 3 data nodes. It inserts ROWS (default 200000) synthetic 128-d
# vectors with 8 clients (rows/s), waits for the HNSW index, waits until
# the query nodes have loaded it, runs 2,000 searches spread over every node
# (QPS, recall) and prints each node's served reads by replica suffrage;
# (the heap figure is after a forced GC, through --admin-api's pprof);
# then kills every query node and searches again: the voters serve. The
# collection is loaded with replicaNumber = QUERY, so every query node holds
# a replica of every shard.
# QUERY=0 runs the same on the 3 data nodes alone (every role), for the
# side-by-side insert figure. PROFILE_DIR, if set, receives a 10 s CPU
# profile of every node taken during the insert. Usage:
#   scripts/roles-cluster.sh [ROWS] [BASE_PORT]
set -euo pipefail
rows=${1:-200000}
base=${2:-18900}
nq=${QUERY:-2}
bin=${RAFTVEC_BIN:-bin/raftvec}
dir=$(mktemp -d "${TMPDIR:-/tmp}/raftvec-roles.XXXXXX")
pids=()
stop() { { kill -9 "$1" && wait "$1"; } 2>/dev/null || true; }
cleanup() {
  for p in "${pids[@]}"; do stop "$p"; done
  bash scripts/minio.sh stop "$dir/minio" >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/wait-ok.sh"

bash scripts/minio.sh install >/dev/null
mport=$((base + 99))
bash scripts/minio.sh start "$dir/minio" "$mport" >/dev/null
eval "$(bash scripts/minio.sh env "$mport")"
storage=(--storage minio --minio-endpoint "$RAFTVEC_TEST_MINIO_ENDPOINT" --minio-access-key "$RAFTVEC_TEST_MINIO_ACCESS_KEY"
  --minio-secret-key "$RAFTVEC_TEST_MINIO_SECRET_KEY" --minio-bucket raftvec --minio-root roles)

join="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 11)),127.0.0.1:$((base + 21))"
addrs=""
data_roles="data,index"
[ "$nq" = 0 ] && data_roles="data,query,index"
for i in $(seq 0 $((2 + nq))); do
  port=$((base + 10 * i))
  roles=$data_roles
  [ "$i" -ge 3 ] && roles=query
  "$bin" serve --node-id "node-$i" --data-dir "$dir/node-$i" --http-addr "127.0.0.1:$port" \
    --raft-addr "127.0.0.1:$((port + 1))" --join "$join" --bootstrap-expect 3 --roles "$roles" \
    --log-level warn --admin-api "${storage[@]}" >>"$dir/node-$i.log" 2>&1 &
  pids+=($!)
  addrs="$addrs${addrs:+,}http://127.0.0.1:$port"
done
for i in $(seq 0 $((2 + nq))); do wait_ok "http://127.0.0.1:$((base + 10 * i))/readyz" >/dev/null; done
echo "cluster: 3 data nodes ($data_roles), $nq query nodes; MinIO on $mport"

common=(--dataset synthetic --dim 128 --rows "$rows" --seed 7 --addr "http://127.0.0.1:$base")
cpu() { # CPU seconds each node has used so far
  for i in $(seq 0 $((2 + nq))); do
    curl -s "http://127.0.0.1:$((base + 10 * i))/metrics" | awk '/^process_cpu_seconds_total/ {printf "%s ", $2}'
  done
}
before=($(cpu))
if [ -n "${PROFILE_DIR:-}" ]; then # 10 s CPU profiles of every node during the insert
  mkdir -p "$PROFILE_DIR"
  for i in $(seq 0 $((2 + nq))); do
    (sleep 3; curl -s -o "$PROFILE_DIR/node-$i.cpu.pprof" "http://127.0.0.1:$((base + 10 * i))/debug/pprof/profile?seconds=10") &
  done
fi
"$bin" bench insert "${common[@]}" --addrs "$addrs" --clients 8 --batch 1000 --index HNSW --M 16 --efc 200
after=($(cpu))
printf "CPU seconds per node during the insert:"
for i in "${!after[@]}"; do printf " node-%d %.1f" "$i" "$(echo "${after[$i]} - ${before[$i]}" | bc -l)"; done
echo
t0=$(date +%s)
curl -s "http://127.0.0.1:$base/v2/vectordb/collections/flush" -d '{"collectionName":"bench"}' >/dev/null
for t in $(seq 1 1800); do
  curl -s "http://127.0.0.1:$base/v2/vectordb/indexes/describe" -d '{"collectionName":"bench","indexName":"vector"}' |
    grep -q "\"indexedRows\":$rows," && break
  sleep 1
done
echo "index: $rows rows indexed $(($(date +%s) - t0)) s after the flush"
if [ "$nq" -gt 0 ]; then # one query replica per query node of every shard
  curl -s "http://127.0.0.1:$base/v2/vectordb/collections/load" -d "{\"collectionName\":\"bench\",\"replicaNumber\":$nq}" >/dev/null
fi
printf "load: "
for t in $(seq 1 600); do
  st=$(curl -s "http://127.0.0.1:$base/v2/vectordb/collections/get_load_state" -d '{"collectionName":"bench"}')
  case $st in *LoadStateLoaded*) echo "$st"; break ;; esac
  sleep 1
done

served() {
  for i in $(seq 0 $((2 + nq))); do
    [ -n "${dead:-}" ] && [ "$i" -ge 3 ] && continue
    curl -s -o /dev/null "http://127.0.0.1:$((base + 10 * i))/debug/pprof/heap?gc=1" # a GC first: live heap, not garbage
    m=$(curl -s "http://127.0.0.1:$((base + 10 * i))/metrics")
    v=$(echo "$m" | awk '/^raftvec_replica_reads_total\{suffrage="voter"\}/ {print $2}')
    q=$(echo "$m" | awk '/^raftvec_replica_reads_total\{suffrage="nonvoter"\}/ {print $2}')
    rss=$(echo "$m" | awk '/^process_resident_memory_bytes/ {printf "%.0f", $2/1048576}')
    mapped=$(echo "$m" | awk '/^raftvec_index_files_mapped_bytes/ {printf "%.0f", $2/1048576}')
    heap=$(echo "$m" | awk '/^go_memstats_heap_inuse_bytes/ {printf "%.0f", $2/1048576}')
    vec=$(echo "$m" | awk '/^raftvec_segment_vector_bytes\{where="heap"\}/ {printf "%.0f", $2/1048576}')
    echo "  node-$i: reads served as voter $v, as query replica $q; RSS $rss MiB, Go heap in use $heap MiB (vectors $vec MiB), index mapped $mapped MiB"
  done
}
"$bin" bench search "${common[@]}" --addrs "$addrs" --clients 4 --queries 2000 --ef 64
served
if [ "$nq" -gt 0 ]; then
  for i in $(seq 3 $((2 + nq))); do stop "${pids[$i]}"; done
  dead=1
  live=$(echo "$addrs" | cut -d, -f1-3)
  echo "killed the query nodes; searching through the data nodes"
  "$bin" bench search "${common[@]}" --addrs "$live" --clients 4 --queries 2000 --ef 64
  served
fi
