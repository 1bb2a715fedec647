#!/bin/sh
# Compile the hnswlib harness (header-only hnswlib from libhnswlib-dev in
# /usr/include/hnswlib) into .cache/bin/ and run it.
#
#   scripts/hnswlib-bench/run.sh BASE.fvecs QUERY.fvecs GT.ivecs [--M 16] [--efc 200]
#       [--threads 2] [--k 10] [--ef 10,20,40,80] [--seed 100]
#
# Environment: CXX (default g++), HNSWLIB_INCLUDE (default /usr/include).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
src="$root/scripts/hnswlib-bench/main.cpp"
bin="$root/.cache/bin/hnswlib-bench"
CXX=${CXX:-g++}
HNSWLIB_INCLUDE=${HNSWLIB_INCLUDE:-/usr/include}
if [ ! -f "$HNSWLIB_INCLUDE/hnswlib/hnswalg.h" ]; then
	echo "run.sh: $HNSWLIB_INCLUDE/hnswlib/hnswalg.h not found (apt-get install libhnswlib-dev)" >&2
	exit 1
fi
mkdir -p "$root/.cache/bin"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
	# -w: silence warnings from the hnswlib 0.6.2 headers.
	"$CXX" -O3 -march=native -std=c++17 -w -pthread -I"$HNSWLIB_INCLUDE" -o "$bin" "$src"
fi
exec "$bin" "$@"
