#!/usr/bin/env bash
# Calibration wall time per step and in total, and perplexity-evaluation tokens per second, for
# ostquant-calibrate on stories260K. Usage: bench/ostquant-calibrate/run_bench.sh BIN_DIR [DEVICE] [OUT]
# (DEVICE cpu or cuda). The Python reference (OSTQuant upstream) needs CUDA + transformers and is not run here.
set -euo pipefail
bin=${1:?bin dir}
device=${2:-cpu}
out=${3:-/tmp/ostq-bench-$device}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LABKIT_DATA:-$root/../shared/data}
"$bin/ostquant-calibrate" "$data/llm/stories260K.bin" --out "$out" --force --seed 0 --device "$device" \
  --set 'settings=["W4A4KV4"]' --set 'methods=["fp","quarot","ost"]' --set steps=20 --set weight_quantizer=rtn+gptq --log-level warn
python3 - "$out/report.json" "$device" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["metrics"]
ost = m["results"]["ost"]["W4A4KV4"]
print(f"device {sys.argv[2]}: calibration {ost['train']['seconds']:.2f} s total, "
      f"{ost['train']['seconds_per_step']:.3f} s/step ({len(ost['train']['loss'])} steps, batch 4 x {m['data']['window']} tokens)")
print(f"perplexity evaluation (W4A4KV4 fake-quant): {ost['eval_tokens_per_s']:.0f} tokens/s; "
      f"fp: {m['results']['fp']['eval_tokens_per_s']:.0f} tokens/s")
print(f"weight quantization of the transformed model: RTN with clip search {ost['weight_quant_seconds']:.2f} s, "
      f"sequential GPTQ {ost['gptq']['weight_quant_seconds']:.2f} s ({m['data']['calib_windows']} calibration windows)")
PY
