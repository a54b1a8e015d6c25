#!/usr/bin/env bash
# Demo (80 s on the shared 2-core machine under load; README "Performance"; one thread, which busy
# machines need): a tiny synthetic left-atrium task, then Mean Teacher alone and
# Mean Teacher + SemiSAM+ with a SAM-Med3D-architecture generalist (the seganypet default model when one
# is installed, else a random-weight tiny one from seganypet-infer init-model), test Dice/HD95 of each,
# and a prediction written in the input's geometry.
set -euo pipefail
bin=$LABKIT_BIN/semisam-train
cfg=$LABKIT_ROOT/configs/semisam-train/demo-tiny.json
"$bin" --version | head -1
"$bin" synth --cases 8 --val 1 --test 2 --seed 3 --threads 1 --config "$cfg" --out "$DEMO_OUT/task" --force
models=${LABKIT_MODEL_DIR:-$HOME/.cache/labkit/models}
generalist=$models/seganypet/default.safetensors
if [ ! -f "$generalist" ]; then
  "$LABKIT_BIN/seganypet-infer" init-model --arch tiny --seed 1 --out "$DEMO_OUT/generalist" --force >/dev/null
  generalist=$DEMO_OUT/generalist/model.safetensors
fi
echo "-- Mean Teacher, 2 labeled volumes"
"$bin" --manifest "$DEMO_OUT/task/manifest.json" --config "$cfg" --threads 1 --seed 1 --out "$DEMO_OUT/mt" --force
echo "-- Mean Teacher + SemiSAM+ (generalist: $generalist)"
"$bin" --manifest "$DEMO_OUT/task/manifest.json" --config "$cfg" --threads 1 --seed 1 \
  --set semisam.enabled=true --set "semisam.generalists=[\"$generalist\"]" --out "$DEMO_OUT/mt-semisam" --force
/usr/bin/python3 - "$DEMO_OUT" <<'PY'
import json, sys
for run in ("mt", "mt-semisam"):
    r = json.load(open(f"{sys.argv[1]}/{run}/report.json"))
    e = r["metrics"]["evaluation"]
    g = r["curves"].get("sam_grad_norm")
    extra = f", mean SAM-term gradient norm {sum(v for _, v in g) / len(g):.2e}" if g else ""
    print(f"{run}: test Dice {e['dice']:.3f}, HD95 {e['hd95']:.2f} voxels{extra}")
PY
echo "-- predict: the trained specialist on a test volume, mask in the image's geometry"
"$bin" predict --checkpoint "$DEMO_OUT/mt/model.safetensors" "$DEMO_OUT/task/la007.nii.gz" --config "$cfg" \
  --threads 1 --out "$DEMO_OUT/predict" --force
