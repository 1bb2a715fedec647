# Sourced by the scripts/many-collections*.sh benchmarks.
# wait_ok URL [BODY]: polls every 10 ms (up to 60 s) until URL answers
# HTTP 200 (GET) or a reply with "code":0 (POST BODY), and prints the
# milliseconds it took.
wait_ok() {
  local t0
  t0=$(date +%s%N)
  for _ in $(seq 1 6000); do
    if [ $# -eq 1 ]; then curl -sf "$1" >/dev/null 2>&1 && break
    else curl -s "$1" -d "$2" 2>/dev/null | grep -q '"code":0' && break; fi
    sleep 0.01
  done
  echo $((($(date +%s%N) - t0) / 1000000))
}
