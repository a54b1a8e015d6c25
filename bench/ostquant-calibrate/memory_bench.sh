#!/usr/bin/env bash
# Peak resident memory of a short calibration on stories260K with the layer-wise backward (one decoder
# layer's activations at a time) and with one autograd graph over the whole forward. Batch 16 x 512 tokens
# so activations dominate. Usage: bench/ostquant-calibrate/memory_bench.sh BIN_DIR [OUT]
set -euo pipefail
bin=${1:?bin dir}
out=${2:-/tmp/ostq-memory}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LABKIT_DATA:-$root/../shared/data}
mkdir -p "$out"
# Seeded random token streams (16 calibration windows of 512, one evaluation window): no sampling time.
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
r = np.random.default_rng(0)
line = lambda: " ".join(map(str, [1] + list(r.integers(0, 512, 511)))) + "\n"
open(f"{sys.argv[1]}/calib.txt", "w").write("".join(line() for _ in range(16)))
open(f"{sys.argv[1]}/eval.txt", "w").write(line())
PY
for lw in true false; do
  /usr/bin/time -v "$bin/ostquant-calibrate" "$data/llm/stories260K.bin" --out "$out/run_$lw" --force --seed 0 \
    --calib-tokens "$out/calib.txt" --eval-tokens "$out/eval.txt" \
    --set 'settings=["W4A4KV4"]' --set 'methods=["ost"]' --set steps=2 --set batch=16 --set window=512 \
    --set qsur_streams=1 --set layerwise_backward=$lw --log-level warn 2> "$out/time_$lw.txt"
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$out/time_$lw.txt")
  echo "layerwise_backward=$lw: peak RSS $((rss / 1024)) MiB"
done
