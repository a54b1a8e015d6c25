#!/usr/bin/env bash
# Demo (a few minutes on 2 cores): a small multi-modal MR phantom set (t1n, t1c, t2w, t2f), PUIR and the
# baseline trained briefly at CPU size, any-to-all synthesis tables and X_h retrieval on the validation
# patients, X_h of every case written to HDF5, and the training curves drawn.
set -euo pipefail
bin=$LABKIT_BIN/puir-train
cfg=$LABKIT_ROOT/configs/puir-train/compare.json
"$bin" --version | head -1
"$bin" phantom --cases 6 --val 2 --seed 3 --threads 2 --config "$cfg" --out "$DEMO_OUT/set" --force
for mode in puir baseline; do
  echo "-- $mode"
  "$bin" train --manifest "$DEMO_OUT/set/dataset.json" --config "$cfg" --set mode=$mode --set epochs=3 \
    --threads 2 --seed 1 --out "$DEMO_OUT/$mode" --force
done
echo "-- X_h of every case and modality (PUIR model)"
"$bin" embed --manifest "$DEMO_OUT/set/dataset.json" --checkpoint "$DEMO_OUT/puir/model.safetensors" --config "$cfg" \
  --threads 2 --out "$DEMO_OUT/embed" --force
/usr/bin/python3 "$LABKIT_ROOT/scripts/plot_report.py" "$DEMO_OUT/puir" || true
