#!/usr/bin/env bash
# Trains the default PET lesion model on phantoms and installs it where seganypet-infer (and later
# semisam-train) look when no checkpoint is given: $LABKIT_MODEL_DIR/seganypet/default.safetensors
# (LABKIT_MODEL_DIR defaults to ~/.cache/labkit/models).
# Usage: tools/seganypet-train/train-default-model.sh [BIN_DIR] [WORK_DIR]
#   BIN_DIR defaults to build/bin; WORK_DIR (phantoms, checkpoints, report.json) to $LABKIT_MODEL_DIR/seganypet/training.
# Re-running continues an interrupted training (--resume) and reinstalls the finished model.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/bin}
models=${LABKIT_MODEL_DIR:-$HOME/.cache/labkit/models}
work=${2:-$models/seganypet/training}
mkdir -p "$work"
# 40 phantoms (2 mm grid, whole-body-like), exact labels; 8 held out for validation.
[ -f "$work/phantoms/manifest.json" ] || "$bin/seganypet-train" phantoms --cases 40 --val-fraction 0.2 \
  --lq-fraction 0 --seed 1 --threads 1 --out "$work/phantoms"
"$bin/seganypet-train" --manifest "$work/phantoms/manifest.json" \
  --config "$root/configs/seganypet-train/default-model.json" --seed 1 --threads 1 \
  --resume --install-default --out "$work/run"
