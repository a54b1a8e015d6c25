#!/usr/bin/env bash
# PUIR vs the baseline (no prior block, no anchor/rotation/contrastive terms) on one phantom set, several
# seeds: mean off-diagonal PSNR/SSIM of any-to-all synthesis and X_h retrieval top-1 on the validation
# patients, plus the first and last anchor loss of each PUIR run.
# Usage: bench/puir-train/puir_vs_baseline.sh BIN_DIR OUT_DIR [SEEDS] [EPOCHS]
#   Config: configs/puir-train/compare.json (CPU size: feature size 12, 32^3 crops, 40^3 phantoms).
set -eu
bin=$1/puir-train
out=$2
seeds=${3:-"1 2"}
epochs=${4:-10}
cfg=$(dirname "$0")/../../configs/puir-train/compare.json
mkdir -p "$out"
[ -f "$out/set/dataset.json" ] || "$bin" phantom --cases 14 --val 4 --seed 11 --threads 1 --config "$cfg" \
  --out "$out/set" >/dev/null 2>"$out/phantom.log"
for s in $seeds; do
  for mode in puir baseline; do
    [ -f "$out/$mode-seed$s/report.json" ] && continue
    "$bin" train --manifest "$out/set/dataset.json" --config "$cfg" --set mode=$mode --set epochs="$epochs" \
      --seed "$s" --threads 1 --force --out "$out/$mode-seed$s" >/dev/null 2>"$out/$mode-seed$s.log" &
  done
  wait
done
/usr/bin/python3 - "$out" $seeds <<'PY'
import json, sys
out, seeds = sys.argv[1], sys.argv[2:]
print("| mode | seed | off-diagonal PSNR (dB) | off-diagonal SSIM | X_h retrieval top-1 (chance) | anchor loss first -> last |")
print("|---|---|---|---|---|---|")
means = {}
for mode in ("puir", "baseline"):
    for s in seeds:
        r = json.load(open(f"{out}/{mode}-seed{s}/report.json"))
        e = r["metrics"]["evaluation"]
        p, q, t = e["off_diagonal"]["psnr"], e["off_diagonal"]["ssim"], e["retrieval"]["top1"]
        means.setdefault(mode, []).append((p, q, t))
        a = r["curves"].get("anchor loss", {}).get("series", {}).get("anchor")
        anchor = f"{a[0][1]:.4f} -> {a[-1][1]:.4f}" if a else "-"
        print(f"| {mode} | {s} | {p:.2f} | {q:.4f} | {t:.3f} ({e['retrieval']['chance']:.3f}) | {anchor} |")
for mode, rows in means.items():
    n = len(rows)
    print(f"| {mode} | mean | {sum(r[0] for r in rows) / n:.2f} | {sum(r[1] for r in rows) / n:.4f} | "
          f"{sum(r[2] for r in rows) / n:.3f} | |")
PY
