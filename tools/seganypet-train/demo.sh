#!/usr/bin/env bash
# Demo: a small PET phantom set with simulated low-quality labels, a short CPCL training of the tiny model
# (validation Dice per epoch), then the default model: trained once on phantoms (about 15 minutes on
# 2 cores; reused afterwards from $LABKIT_MODEL_DIR/seganypet/default.safetensors) and used by
# seganypet-infer without --checkpoint on held-out phantoms, Dice after 1 and 3 simulated clicks.
set -euo pipefail
bin=$LABKIT_BIN/seganypet-train
"$bin" --version | head -1
"$bin" phantoms --cases 6 --val-fraction 0.34 --lq-fraction 0.5 --seed 3 --threads 1 \
  --set phantom.size=[48,36,84] --set phantom.spacing=[4,4,4] --out "$DEMO_OUT/phantoms" --force
echo "-- CPCL, tiny model, 3 epochs (CPCL from epoch 2)"
"$bin" --manifest "$DEMO_OUT/phantoms/manifest.json" --threads 1 --seed 1 --set model=tiny --set epochs=3 \
  --set iterations=3 --set batch_size=2 --set min_target_voxels=20 --set cpcl.start_epoch=1 --set cpcl.passes=2 \
  --out "$DEMO_OUT/cpcl" --force
/usr/bin/python3 - "$DEMO_OUT" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/cpcl/report.json"))["metrics"]
for h in m["history"]:
    c = h.get("cpcl")
    extra = (f", CPCL rectified {c['rectified_samples']}/{c['low_quality_samples']} low-quality samples (the rest: models"
             f" not yet agreeing with the label), flipped {c['flipped_per_label_voxel']:.3f} per label voxel") if c else ""
    d = dict(zip(h["val_dice"]["clicks"], h["val_dice"]["dice"]))
    print(f"epoch {h['epoch']}: loss {h['train_loss']:.4f}, val Dice {{1: {d[1]:.3f}, 3: {d[3]:.3f}}}{extra}")
PY
echo "-- the curves of report.json as a picture"
/usr/bin/python3 "$LABKIT_ROOT/scripts/plot_report.py" "$DEMO_OUT/cpcl"
models=${LABKIT_MODEL_DIR:-$HOME/.cache/labkit/models}
if [ ! -f "$models/seganypet/default.safetensors" ]; then
  echo "-- training the default model once (tools/seganypet-train/train-default-model.sh)"
  bash "$LABKIT_ROOT/tools/seganypet-train/train-default-model.sh" "$LABKIT_BIN"
fi
echo "-- seganypet-infer with the default model (no --checkpoint) on two held-out phantoms"
"$bin" phantoms --cases 2 --val-fraction 0 --lq-fraction 0 --seed 999 --threads 1 --out "$DEMO_OUT/heldout" --force
for c in case0000 case0001; do
  "$LABKIT_BIN/seganypet-infer" "$DEMO_OUT/heldout/${c}_pet.nii.gz" --gt "$DEMO_OUT/heldout/${c}_label.nii.gz" \
    --set eval_clicks=[1,3] --seed 233 --threads 1 --out "$DEMO_OUT/infer-$c" --force
done
/usr/bin/python3 - "$DEMO_OUT" <<'PY'
import json, sys
for c in ("case0000", "case0001"):
    m = json.load(open(f"{sys.argv[1]}/infer-{c}/report.json"))["metrics"]
    d = dict(zip(m["eval_clicks"], m["dice_mean"]))
    print(f"{c}: default model, mean Dice over lesions: 1 click {d[1]:.3f}, 3 clicks {d[3]:.3f}")
PY
