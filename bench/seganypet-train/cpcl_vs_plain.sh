#!/usr/bin/env bash
# The paper's claim at small scale: with a fraction of noisy (low-quality) training labels, CPCL training
# beats plain training on all labels, measured on exact held-out labels, over several seeds.
# Usage: bench/seganypet-train/cpcl_vs_plain.sh BIN_DIR OUT_DIR [SEEDS] [PARALLEL]
#   BIN_DIR: the build's bin/ (seganypet-train); SEEDS default "1 2 3"; PARALLEL runs (1 thread each).
# Prints a Markdown table of validation Dice after 1/3/5 clicks, per seed and mean.
set -eu
bin=$1/seganypet-train
out=$2
seeds=${3:-"1 2 3"}
parallel=${4:-2}
config=$(dirname "$0")/../../configs/seganypet-train/cpcl-vs-plain.json
mkdir -p "$out"
# One phantom set for every run: 75% of the training cases carry simulated low-quality labels.
[ -f "$out/ph/manifest.json" ] || "$bin" phantoms --cases 24 --val-fraction 0.25 --lq-fraction 0.75 --seed 21 \
  --threads 1 --out "$out/ph" 2>"$out/phantoms.log"
jobs_list=()
for s in $seeds; do
  for method in plain cpcl; do
    flag=true; [ $method = plain ] && flag=false
    jobs_list+=("$method $s $flag")
  done
done
run_one() {
  set -- $1
  [ -f "$out/$1-seed$2/report.json" ] && return 0
  "$bin" --manifest "$out/ph/manifest.json" --config "$config" --set cpcl.enabled=$3 --seed "$2" --threads 1 \
    --force --out "$out/$1-seed$2" 2>"$out/$1-seed$2.log"
}
export -f run_one; export bin out config
printf '%s\n' "${jobs_list[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one "{}"'
/usr/bin/python3 - "$out" $seeds <<'PY'
import json, sys, statistics as st
out, seeds = sys.argv[1], sys.argv[2:]
rows = {}
for m in ("plain", "cpcl"):
    for s in seeds:
        r = json.load(open(f"{out}/{m}-seed{s}/report.json"))
        v = r["metrics"]["val_dice"]
        rows[(m, s)] = ({str(k): d for k, d in zip(v["clicks"], v["dice"])}, r["timings"]["epoch"]["seconds"])
print("| method | seed | Dice 1 click | Dice 3 clicks | Dice 5 clicks | train s |")
print("|---|---|---|---|---|---|")
for m in ("plain", "cpcl"):
    for s in seeds:
        d, t = rows[(m, s)]
        print(f"| {m} | {s} | {d['1']:.3f} | {d['3']:.3f} | {d['5']:.3f} | {t:.0f} |")
    for k in ("1", "3", "5"):
        pass
    means = [st.mean(rows[(m, s)][0][k] for s in seeds) for k in ("1", "3", "5")]
    sds = [st.pstdev(rows[(m, s)][0][k] for s in seeds) for k in ("1", "3", "5")]
    print(f"| **{m} mean ± sd** | {len(seeds)} seeds | " + " | ".join(f"{a:.3f} ± {b:.3f}" for a, b in zip(means, sds)) + " | |")
PY
