#!/usr/bin/env bash
# nvr-sim simulation speed (not a timed test).
#  1. Simulated NPU demand line accesses per second, one core, for a memory-bound SpMM: uniform CSR at
#     density 1/256 times a dense 64-column operand (int32/fp32), for growing matrix sizes and three
#     prefetchers. The time is the simulation only (metrics.sim_seconds), not building the workload.
#  2. Sweep throughput: the same 12-case grid with --threads 1 .. N.
# Usage: bench/nvr-sim/run_bench.sh [path/to/nvr-sim] [max threads]
set -euo pipefail
BIN=${1:-build-nvr/bin/nvr-sim}
MAXT=${2:-$(nproc)}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== one core, memory-bound SpMM (uniform, density 1/256, dense_cols 64)"
printf "%-8s %-8s %12s %10s %14s %10s\n" rows prefetch accesses sim_s "M accesses/s" nsb_miss%
for n in 4096 8192 16384 32768; do
  for p in none stream nvr; do
    out="$TMP/r_${n}_$p"
    "$BIN" run --threads 1 --set prefetcher.type=$p --set baseline='""' --set workload.rows=$n \
      --set workload.cols=$n --set workload.density=0.00390625 --set workload.dense_cols=64 --out "$out" > /dev/null
    "$PY" - "$out/report.json" $n $p <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
acc = m["demand_lines"]
print("%-8s %-8s %12d %10.3f %14.2f %9.1f%%" % (sys.argv[2], sys.argv[3], acc, m["sim_seconds"],
      m["accesses_per_second"] / 1e6, 100.0 * m["nsb"]["misses"] / acc))
PYEOF
  done
done

echo "== sweep scaling (12 cases: 6 prefetchers x 2 uniform 8192^2 matrices)"
cat > "$TMP/grid.json" <<'JEOF'
{"base": {"workload.rows": 8192, "workload.cols": 8192, "workload.density": 0.00390625, "baseline": ""},
 "axes": {"prefetcher.type": ["none", "stride", "stream", "imp", "dvr", "nvr"], "workload.seed": [1, 2]}}
JEOF
for t in $(seq 1 "$MAXT"); do
  "$BIN" sweep --grid "$TMP/grid.json" --threads "$t" --out "$TMP/s$t" > /dev/null
  "$PY" - "$TMP/s$t/report.json" "$TMP/s$t/sweep.json" "$t" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["metrics"]
rows = json.load(open(sys.argv[2]))
acc = sum(x["stats"]["demand_lines"] for x in rows)
print("threads %s: %d cases in %.2f s wall, %.2f M simulated accesses/s overall" % (sys.argv[3], r["cases"],
      r["wall_seconds"], acc / r["wall_seconds"] / 1e6))
PYEOF
done
