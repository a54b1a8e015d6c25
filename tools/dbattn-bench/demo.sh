#!/usr/bin/env bash
# Demo: every verb of dbattn-bench on small inputs: softmax error of DBFP (block 32, pivots max/median/
# outlier-aware), plain BFP-style max pivots and the MX formats on synthetic and stories260K score rows;
# perplexity of stories260K with each softmax; kernel speed vs ATen; the hardware cost table.
set -euo pipefail
tool=$LABKIT_BIN/dbattn-bench
root=${LABKIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cfg=$root/configs/dbattn-bench/demo.json
model=$LABKIT_DATA/llm/stories260K.bin
"$tool" --version | head -1
echo "-- error vs format (synthetic gaussian / outlier-heavy rows and rows captured from stories260K)"
"$tool" error --checkpoint "$model" --config "$cfg" --out "$DEMO_OUT/error" --force --log-level warn --threads 2
echo "-- perplexity of stories260K with the softmax replaced"
"$tool" ppl --checkpoint "$model" --config "$cfg" --out "$DEMO_OUT/ppl" --force --log-level warn --threads 2
echo "-- CPU kernel vs ATen softmax"
"$tool" speed --config "$cfg" --out "$DEMO_OUT/speed" --force --log-level warn --threads 2
echo "-- hardware cost model"
"$tool" cost --config "$cfg" --out "$DEMO_OUT/cost" --force --log-level warn
