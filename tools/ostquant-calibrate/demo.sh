#!/usr/bin/env bash
# Demo: OSTQuant on the real stories260K checkpoint (llama2.c format): calibration and evaluation token
# streams sampled from the model itself, baselines (RTN, QuaRot-style Hadamard) and a short OSTQuant
# calibration at W4A16 and W4A4KV4; the tool prints the perplexity table on stdout; then QSUR and the
# saved transformed model.
set -euo pipefail
tool=$LABKIT_BIN/ostquant-calibrate
root=${LABKIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
"$tool" --version | head -1
"$tool" "$LABKIT_DATA/llm/stories260K.bin" --out "$DEMO_OUT/run" --force --seed 0 \
  --config "$root/configs/ostquant-calibrate/demo.json" --log-level warn
python3 - "$DEMO_OUT/run/report.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print("QSUR (relative, mean over layers) original:",
      {k: round(v, 3) for k, v in m["qsur"]["original"]["mean"].items()})
PY
echo "transformed model: $DEMO_OUT/run/model (config.json, model.safetensors, online_rotations.safetensors, quantized_int4.safetensors)"
