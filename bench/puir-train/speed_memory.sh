#!/usr/bin/env bash
# Training speed and peak memory of puir-train: optimizer steps per second and the process's peak RSS
# (GNU time) for the CPU config (feature size 12, 32^3 crops, batch 2, 4 modalities), PUIR and baseline.
# With a CUDA build, DEVICE=cuda FS=48 ROI=96 measures upstream's size (peak GPU memory: nvidia-smi).
# Usage: bench/puir-train/speed_memory.sh BIN_DIR OUT_DIR
set -eu
bin=$1/puir-train
out=$2
device=${DEVICE:-cpu}
fs=${FS:-12}
roi=${ROI:-32}
threads=${THREADS:-1}
case $roi in 32) heads=1 ;; 64) heads=2 ;; *) heads=3 ;; esac  # must divide (roi/32)^3
mkdir -p "$out"
[ -f "$out/set/dataset.json" ] || "$bin" phantom --cases 4 --val 0 --seed 1 --threads "$threads" \
  --set "phantom.size=[$((roi + 8)),$((roi + 8)),$((roi + 8))]" --out "$out/set" >/dev/null 2>&1
echo "| mode | device | feature size | roi | steps | optimizer steps/s | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|---|"
for mode in puir baseline; do
  /usr/bin/time -v "$bin" train --manifest "$out/set/dataset.json" --device "$device" --threads "$threads" \
    --set network.feature_size="$fs" --set network.roi="$roi" --set network.prior_heads="$heads" \
    --set mode=$mode --set epochs=2 --set checkpoint_every=1000 --json --force --out "$out/$mode" \
    >"$out/$mode.json" 2>"$out/$mode.log"
  /usr/bin/python3 - "$out" "$mode" "$device" "$fs" "$roi" <<'PY'
import json, re, sys
out, mode, device, fs, roi = sys.argv[1:]
r = json.load(open(f"{out}/{mode}/report.json"))
steps = r["metrics"]["optimizer_steps"]
t = r["timings"]["step"]["seconds"] if isinstance(r["timings"]["step"], dict) else r["timings"]["step"]
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/{mode}.log").read()).group(1))
print(f"| {mode} | {device} | {fs} | {roi} | {steps} | {steps / t:.3f} | {rss / 1024:.0f} |")
PY
done
