#!/usr/bin/env bash
# Demo: the authors' TEST1 workload (CSR 2048x2048 at density 1/256 x dense B, int32) with NVR; an SpMM on
# a real SuiteSparse matrix (bcspwr10) with each prefetcher; the two-sided CSR x CSC SpGEMM with NVR;
# then the paper-claims experiment (112 simulations), which prints its table. Each run prints cycles, per-level hits/misses and speedup
# against no prefetching; report.json and stats.csv land under $DEMO_OUT.
set -euo pipefail
sim=$LABKIT_BIN/nvr-sim
cfg=$LABKIT_ROOT/configs/nvr-sim
"$sim" run --config "$cfg/test1-int32.json" --out "$DEMO_OUT/test1" --log-level warn
for pf in none stream imp dvr nvr; do
  "$sim" run --set workload.matrix="$LABKIT_DATA/sparse/bcspwr10.mtx" --set prefetcher.type=$pf \
    --out "$DEMO_OUT/bcspwr10-$pf" --log-level warn
done
"$sim" run --set workload.kind=spgemm --set workload.dense_cols=1024 --out "$DEMO_OUT/spgemm" --log-level warn
"$sim" claims --grid "$cfg/paper-claims.json" --threads 2 --out "$DEMO_OUT/claims" --log-level warn
/usr/bin/python3 "$LABKIT_ROOT/scripts/plot_report.py" "$DEMO_OUT/claims"   # claims.png, claims.svg
