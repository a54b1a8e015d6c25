#!/usr/bin/env bash
# Demo: a PET-like phantom (NIfTI, anisotropic voxels, flipped x axis), a tiny random-weight model
# (the trained default model comes from seganypet-train, issue 6), one click -> mask on the input grid,
# then evaluation with simulated clicks against the phantom's lesion labels (Dice in report.json).
# With random weights the Dice values only show the pipeline working, not segmentation quality.
set -euo pipefail
bin=$LABKIT_BIN/seganypet-infer
"$bin" --version | head -1
"$bin" make-phantom --seed 1 --lesions 3 --out "$DEMO_OUT/phantom" --force
"$bin" init-model --model tiny --seed 1 --out "$DEMO_OUT/model" --force
model=$DEMO_OUT/model/model.safetensors
echo "-- one foreground and one background click (voxel indices of the input image)"
"$bin" "$DEMO_OUT/phantom/pet.nii.gz" --checkpoint "$model" --point 40,36,24 --point 44,36,24,0 \
  --threads 1 --out "$DEMO_OUT/clicks" --force
echo "-- evaluation: simulated clicks per lesion, Dice after 1/3/5/10 clicks"
"$bin" "$DEMO_OUT/phantom/pet.nii.gz" --checkpoint "$model" --gt "$DEMO_OUT/phantom/lesions.nii.gz" \
  --seed 233 --threads 1 --out "$DEMO_OUT/eval" --force
/usr/bin/python3 - "$DEMO_OUT" <<'PY'
import json, sys
d = sys.argv[1]
c = json.load(open(d + "/clicks/report.json"))["metrics"]
print(f"clicks: {c['cases'][0]['targets'][0]['voxels']} mask voxels, encoder {c['seconds_per_crop_encode']:.3f} s/crop, "
      f"decoder {c['seconds_per_click_decode']:.4f} s/click -> {d}/clicks/mask.nii.gz")
e = json.load(open(d + "/eval/report.json"))["metrics"]
print("eval: mean Dice by clicks", {k: round(v, 4) for k, v in zip(e["eval_clicks"], e["dice_mean"])}, "(random weights)")
PY
