#!/usr/bin/env bash
# Trains the SemiSAM+ generalist this project uses on its synthetic task: a labkit::sammed3d promptable
# model (seganypet-train, the `small` architecture, 1.16 M parameters, 64^3 input at 1 mm) on synthetic
# left-atrium volumes of another seed than the compare task's (no overlap with its train or test
# volumes), then measures it: Dice after 1, 3, 5 clicks prompted from the labels of random patches of
# held-out volumes (semisam-train probe-generalist), beside the same probe of a random-weight generalist.
#   tools/semisam-train/train-generalist.sh BIN_DIR OUT_DIR [GENERALIST_CONFIG] [CASES]
# OUT_DIR/run/model.safetensors is the generalist (semisam.generalists). Re-running continues (--resume).
# GENERALIST_CONFIG defaults to configs/seganypet-train/semisam-generalist.json; CASES (56) = 48 train + 8 val.
set -euo pipefail
bin=$1
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
config=${3:-$root/configs/seganypet-train/semisam-generalist.json}
cases=${4:-56}
task_config=$root/configs/semisam-train/synthetic-compare.json  # the volumes' size and spacing
mkdir -p "$out"
# Training volumes: seed 101 (the compare task uses seed 7). Held-out probe volumes: seed 202.
[ -f "$out/data/manifest.json" ] || "$bin/semisam-train" synth --cases "$cases" --val 8 --test 0 --seed 101 --threads 1 \
  --config "$task_config" --out "$out/data" >/dev/null
[ -f "$out/probe-data/manifest.json" ] || "$bin/semisam-train" synth --cases 9 --val 0 --test 8 --seed 202 --threads 1 \
  --config "$task_config" --out "$out/probe-data" >/dev/null
# seganypet-train reads the same manifest form (train/val splits); the 1 mm model spacing matches what the
# SemiSAM+ branch gives the generalist (a 16 x 32 x 32 patch at 4 x 2 x 2 mm resampled to 64^3).
"$bin/seganypet-train" --manifest "$out/data/manifest.json" --config "$config" --seed 1 --threads 1 --resume --out "$out/run"
"$bin/seganypet-infer" init-model --model small --seed 1 --out "$out/random" --force >/dev/null
for g in run random; do
  echo "-- probe: $g generalist, prompted from the labels of held-out patches"
  "$bin/semisam-train" probe-generalist --generalist "$out/$g/model.safetensors" --manifest "$out/probe-data/manifest.json" \
    --config "$task_config" --patches 4 --clicks 1,3,5 --seed 1 --threads 1 --out "$out/probe-$g" --force
done
