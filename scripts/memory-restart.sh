#!/usr/bin/env bash
# Memory, disk and restart of one standalone node holding ROWS synthetic
# 128-d vectors under an HNSW index (M 16, efConstruction 200): inserts with
# `raftvec bench insert --wait-index` and waits for the merges that follow
# (collections/compact), prints RSS and live Go heap per
# vector, the data directory's size by part, search QPS/recall, then kill -9
# and a restart, timing /healthz, the first count(*) and the first search,
# the memory after restart, and the data directory once GC removed what
# merges left behind (the node runs with --gc-tolerance 30s here; the
# default is 1h). INDEX=FLAT (no ANN index: every search scans the flushed
# segments exactly, their vector columns mapped from the chunk files)
# inserts, flushes and waits for the flush instead of the index.
# Usage: [INDEX=FLAT] scripts/memory-restart.sh [ROWS] [PORT]
set -euo pipefail
rows=${1:-300000}
port=${2:-18640}
index=${INDEX:-HNSW}
bin=${RAFTVEC_BIN:-bin/raftvec}
dir=$(mktemp -d "${TMPDIR:-/tmp}/raftvec-mem.XXXXXX")
base="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && { kill -9 "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$dir"' EXIT
start() {
  "$bin" standalone --data-dir "$dir/data" --http-addr "127.0.0.1:$port" --raft-addr "127.0.0.1:$((port + 1))" \
    --admin-api --gc-tolerance 30s --gc-interval 10s --log-level warn >>"$dir/log" 2>&1 &
  pid=$!
}
metric() { curl -s "$base/metrics" | awk -v m="$1" '$1 == m { v = $2 } END { printf "%.0f", v + 0 }'; }
memory() { # the live heap after a forced GC, and RSS
  curl -s -o /dev/null "$base/debug/pprof/heap?gc=1"
  local rss heap
  rss=$(metric process_resident_memory_bytes)
  heap=$(metric go_memstats_heap_alloc_bytes)
  echo "$1: RSS $((rss / 1048576)) MB ($((rss / rows)) B/vector), Go heap $((heap / 1048576)) MB ($((heap / rows)) B/vector), index mapped $(($(metric raftvec_index_files_mapped_bytes) / 1048576)) MB, vectors mapped $(($(metric 'raftvec_segment_vector_bytes{where="mapped"}') / 1048576)) MB"
}
. "$(dirname "$0")/wait-ok.sh"
start
wait_ok "$base/readyz" >/dev/null
if [ "$index" = FLAT ]; then
  "$bin" bench insert --addr "$base" --dataset synthetic --rows "$rows" --dim 128 --index FLAT
  f=$(wait_ok "$base/v2/vectordb/collections/flush" '{"collectionName":"bench"}')
  for _ in $(seq 1 600); do # every segment Flushed (or merged, still Flushed)
    curl -s "$base/v1/collections/bench/segments" | grep -q '"state":"\(Growing\|Sealed\)"' || break
    sleep 0.1
  done
  echo "flush: ${f} ms, then every segment in object storage"
else
  "$bin" bench insert --addr "$base" --dataset synthetic --rows "$rows" --dim 128 --index HNSW --M 16 --efc 200 --wait-index
fi
# Merges of the sealed segments follow; measure the settled shape.
m=$(wait_ok "$base/v2/vectordb/collections/compact" '{"collectionName":"bench"}')
echo "compact (merges, each output indexed before it replaces its inputs): ${m} ms; $(curl -s "$base/v1/collections/bench/segments" | grep -o '"segmentID"' | wc -l) segments"
"$bin" bench search --addr "$base" --dataset synthetic --rows "$rows" --dim 128 --queries 500 --clients 2 --ef 64
memory "after load and searches"
datadir() {
  local parts=""
  for d in objects/insert_log objects/index_files shards cache; do parts="$parts $d $(du -sm "$dir/data/$d" 2>/dev/null | cut -f1 || echo 0) MB,"; done
  echo "data dir $1: $(du -sm "$dir/data" | cut -f1) MB (${parts% ,}; raw vectors $((rows * 512 / 1048576)) MB)"
}
datadir "after load"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start
q=$(printf '0.1,%.0s' $(seq 1 127))
h=$(wait_ok "$base/healthz")
c=$(wait_ok "$base/v2/vectordb/entities/query" '{"collectionName":"bench","filter":"","outputFields":["count(*)"]}')
s=$(wait_ok "$base/v2/vectordb/entities/search" "{\"collectionName\":\"bench\",\"data\":[[${q}0.1]],\"limit\":10}")
echo "kill -9 restart with $rows vectors: /healthz after ${h} ms, count(*) after $((h + c)) ms, first search $s ms later"
memory "after restart and one search"
"$bin" bench search --addr "$base" --dataset synthetic --rows "$rows" --dim 128 --queries 500 --clients 2 --ef 64
memory "after restart and searches"
sleep 60
datadir "after GC"
