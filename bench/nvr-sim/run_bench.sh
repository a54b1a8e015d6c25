#!/usr/bin/env bash
# nvr-sim simulation speed (not a timed test).
#  1. Simulated NPU demand line accesses per second, one core, for a memory-bound SpMM: uniform CSR at
#     density 1/256 times a dense 64-column operand (int32/fp32), for growing matrix sizes and three
#     prefetchers. The time is the simulation only (CPU time of the simulating thread, best of 3 runs,
#     so other jobs on a shared machine disturb it least), not building the workload.
#  2. Sweep throughput: the same 12-case grid with --threads 1 .. N.
# Usage: bench/nvr-sim/run_bench.sh [path/to/nvr-sim] [max threads]
set -euo pipefail
BIN=${1:-build-nvr/bin/nvr-sim}
MAXT=${2:-$(nproc)}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== one core, memory-bound SpMM (uniform, density 1/256, dense_cols 64)"
printf "%-7s %-7s %10s %9s %13s %15s %9s\n" rows pf demand cpu_s "M demand/s" "M demand+pf/s" nsb_miss
for n in 4096 8192 16384 32768; do
  for p in none stream nvr; do
    for rep in 1 2 3; do
      "$BIN" run --threads 1 --set prefetcher.type=$p --set baseline='""' --set workload.rows=$n \
        --set workload.cols=$n --set workload.density=0.00390625 --set workload.dense_cols=64 \
        --out "$TMP/r_${n}_${p}_$rep" > /dev/null
    done
    "$PY" - $n $p "$TMP"/r_${n}_${p}_*/report.json <<'PYEOF'
import json, sys
ms = [json.load(open(f))["metrics"] for f in sys.argv[3:]]
m = min(ms, key=lambda x: x["sim_cpu_seconds"])
acc, pf = m["demand_lines"], m["pf"]["issued"]
print("%-7s %-7s %10d %9.3f %13.2f %15.2f %8.1f%%" % (sys.argv[1], sys.argv[2], acc, m["sim_cpu_seconds"],
      acc / m["sim_cpu_seconds"] / 1e6, (acc + pf) / m["sim_cpu_seconds"] / 1e6, 100.0 * m["nsb"]["misses"] / acc))
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
