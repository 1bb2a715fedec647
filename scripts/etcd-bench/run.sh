#!/usr/bin/env bash
# The etcd anchor for raftvec's insert benchmark: starts a 3-member etcd
# cluster on loopback (client ports 22379/22381/22383, peer ports
# 22380/22382/22384, data in a temp dir, 8 GiB backend quota, default
# snapshot settings), waits until every member reports healthy, builds the
# Go client beside this script (its own module) and runs it against all
# three endpoints: transactions of BATCH puts (default 128) of VALUE-SIZE-byte
# values (default 512) from CLIENTS clients (default 8), printing rows/s
# (= puts/s). Then stops the members and removes the temp dir. Arguments
# pass through to the client (--clients, --rows, --batch, --value-size,
# --timeout). ETCD picks the server binary (default: etcd on PATH; Debian's
# is `apt-get install etcd-server`, etcd 3.4). Usage:
#   scripts/etcd-bench/run.sh [--clients 8] [--rows 300000] [--batch 128] [--value-size 512]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
etcd=${ETCD:-etcd}
command -v "$etcd" >/dev/null || { echo "run.sh: $etcd not found (apt-get install etcd-server)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/etcd-bench.XXXXXX")
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap stop EXIT
(cd "$here" && go build -o "$dir/etcd-bench" .)
cluster= endpoints=
for i in 0 1 2; do
  cluster+="${cluster:+,}m$i=http://127.0.0.1:$((22380 + 2 * i))"
  endpoints+="${endpoints:+,}127.0.0.1:$((22379 + 2 * i))"
done
for i in 0 1 2; do
  c=http://127.0.0.1:$((22379 + 2 * i)) p=http://127.0.0.1:$((22380 + 2 * i))
  "$etcd" --name "m$i" --data-dir "$dir/m$i" \
    --listen-client-urls "$c" --advertise-client-urls "$c" \
    --listen-peer-urls "$p" --initial-advertise-peer-urls "$p" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token etcd-bench \
    --quota-backend-bytes $((8 << 30)) --logger zap --log-level warn >"$dir/m$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do # up to 60 s for each member's /health
  for _ in $(seq 1 600); do
    curl -s "http://127.0.0.1:$((22379 + 2 * i))/health" 2>/dev/null | grep -q '"health":"true"' && continue 2
    sleep 0.1
  done
  echo "run.sh: member m$i not healthy; its log:" >&2
  tail -20 "$dir/m$i.log" >&2
  exit 1
done
echo "$("$etcd" --version | head -1), 3 members on loopback" >&2
"$dir/etcd-bench" --endpoints "$endpoints" "$@"
