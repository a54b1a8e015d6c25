#!/usr/bin/env bash
# Seconds per crop (encoder) and per click (decoder) of seganypet-infer on CPU, threads 1 and 2, for the
# tiny config and vit_b_ori (random weights: speed does not depend on the values), plus peak memory.
# Usage: bench/seganypet-infer/bench.sh BUILD_DIR [WORK_DIR]   (vit_b_ori: ~400 MB model file, a few minutes)
set -euo pipefail
bin=${1:?build dir}/bin/seganypet-infer
work=${2:-$(mktemp -d)}
mkdir -p "$work"
"$bin" make-phantom --seed 1 --out "$work/ph" --force >/dev/null 2>&1
for arch in tiny vit_b_ori; do
  [ -f "$work/$arch/model.safetensors" ] || "$bin" init-model --model $arch --seed 1 --out "$work/$arch" --force >/dev/null 2>&1
  for t in 1 2; do
    out=$work/run-$arch-t$t
    # 3 targets x 3 clicks: 3 crops encoded, 9 decoder calls.
    printf '{"targets": [{"points": [{"voxel": [40,36,24]}, {"voxel": [42,36,24]}, {"voxel": [40,38,24], "positive": false}]},
      {"points": [{"voxel": [20,30,20]}, {"voxel": [22,30,20]}, {"voxel": [20,32,20]}]},
      {"points": [{"voxel": [60,40,30]}, {"voxel": [58,40,30]}, {"voxel": [60,42,30]}]}]}' >"$work/targets.json"
    /usr/bin/time -f "%M" -o "$work/maxrss" "$bin" "$work/ph/pet.nii.gz" --checkpoint "$work/$arch/model.safetensors" \
      --prompts "$work/targets.json" --set max_crops=1 --threads $t --out "$out" --force >/dev/null 2>&1
    /usr/bin/python3 - "$out/report.json" "$arch" "$t" "$(cat "$work/maxrss")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m, t = r["metrics"], r["timings"]
print(f"{sys.argv[2]:10s} threads={sys.argv[3]}  encoder {m['seconds_per_crop_encode']:.3f} s/crop  "
      f"decoder {m['seconds_per_click_decode']:.4f} s/click  volume (3 crops, 9 clicks) {t['case']['seconds']:.2f} s  "
      f"peak RSS {int(sys.argv[4]) / 1024:.0f} MiB")
PY
  done
done
