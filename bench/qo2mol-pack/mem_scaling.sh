#!/bin/bash
# Peak memory of `qo2mol-pack pack` against input size: packs the first 1, 2, 4, ... of the
# 50,000-conformer pickles in DATA (make_bench_data.py N 10 N/50000) under /usr/bin/time -v and prints
# conformers, molecules, rate and peak RSS per run. A second binary (e.g. an older build) can be
# interleaved for a side-by-side comparison under the same machine load.
# usage: bench/qo2mol-pack/mem_scaling.sh TOOL DATA_DIR WORK_DIR "1 8 32" [OTHER_TOOL]
set -euo pipefail
TOOL=$1 DATA=$2 WORK=$3 COUNTS=$4 OTHER=${5:-}
mkdir -p "$WORK"
for n in $COUNTS; do
  for t in $TOOL $OTHER; do
    files=$(ls "$DATA"/bench_chunk*.pkl | sort -V | head -"$n")
    out="$WORK/pack_$n"
    rm -rf "$out"
    /usr/bin/time -v "$t" pack $files --out "$out" --log-level warn 2> "$WORK/time.txt"
    /usr/bin/python3 - "$out/report.json" "$WORK/time.txt" "$t" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
rss = [int(l.split()[-1]) for l in open(sys.argv[2]) if "Maximum resident set size" in l][0] / 1024
print(f"{sys.argv[3]:40s} conformers {m['conformers_written']:>9,} molecules {m['molecules']:>7,} "
      f"{m['conformers_per_second']:>8,.0f} conf/s  peak RSS {rss:6.1f} MiB")
PY
    rm -rf "$out"
  done
done
