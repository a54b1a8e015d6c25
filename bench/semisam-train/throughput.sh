#!/usr/bin/env bash
# Iterations per second of semisam-train's documented small CPU config (configs/semisam-train/synthetic-small.json:
# unet_3D width 4, patch 32 x 48 x 48, batch 2 with 1 labeled, one random-weight tiny SAM-Med3D generalist,
# 5 clicks), the specialist step and the generalist call reported separately (report.json timings: "step"
# includes "generalists"), for Mean Teacher alone, MT + SemiSAM+ and MT + SemiSAM+ with --upstream-quirks
# (the generalist re-read every iteration).
#   bench/semisam-train/throughput.sh BIN_DIR OUT_DIR [ITERATIONS] [THREADS] [DEVICE]
# BIN_DIR holds semisam-train and seganypet-infer; DEVICE cpu (default) or cuda.
set -euo pipefail
bin=$1
out=$2
iterations=${3:-20}
threads=${4:-1}
device=${5:-cpu}
root=$(cd "$(dirname "$0")/../.." && pwd)
config=$root/configs/semisam-train/synthetic-small.json
mkdir -p "$out"
[ -f "$out/task/manifest.json" ] || "$bin/semisam-train" synth --cases 6 --val 1 --test 1 --seed 5 --threads "$threads" \
  --out "$out/task" >/dev/null 2>"$out/synth.log"
[ -f "$out/generalist/model.safetensors" ] || "$bin/seganypet-infer" init-model --arch tiny --seed 1 \
  --out "$out/generalist" >/dev/null 2>&1
g="semisam.generalists=[\"$out/generalist/model.safetensors\"]"
common=(--manifest "$out/task/manifest.json" --config "$config" --threads "$threads" --device "$device" --seed 1
        --set max_iterations="$iterations" --set validate_every=100000 --set checkpoint_every=100000 --force)
"$bin/semisam-train" "${common[@]}" --set method=mt --out "$out/mt" >/dev/null 2>"$out/mt.log"
"$bin/semisam-train" "${common[@]}" --set method=mt --set semisam.enabled=true --set "$g" \
  --out "$out/mt-semisam" >/dev/null 2>"$out/mt-semisam.log"
"$bin/semisam-train" "${common[@]}" --set method=mt --set semisam.enabled=true --set "$g" --upstream-quirks \
  --out "$out/mt-semisam-quirks" >/dev/null 2>"$out/mt-semisam-quirks.log"
/usr/bin/python3 - "$out" "$iterations" "$threads" "$device" <<'PY'
import json, sys
out, iterations, threads, device = sys.argv[1:]
print(f"{iterations} iterations, {threads} thread(s), {device}; seconds are wall clock.\n")
print("| run | iterations/s (whole step) | specialist s/iteration | generalists s/iteration | generalist loads (s total) |")
print("|---|---|---|---|---|")
for run in ("mt", "mt-semisam", "mt-semisam-quirks"):
    r = json.load(open(f"{out}/{run}/report.json"))
    t = r["timings"]
    step, n = t["step"]["seconds"], t["step"]["count"]
    gen = t.get("generalists", {"seconds": 0.0, "count": 0})
    desc = r["metrics"].get("generalists")
    loads = f"{desc['loads']} ({desc['load_seconds']:.2f})" if desc else "—"
    per_call = f"{gen['seconds'] / gen['count']:.3f}" if gen["count"] else "—"
    print(f"| {run} | {n / step:.2f} | {(step - gen['seconds']) / n:.3f} | {per_call} | {loads} |")
PY
