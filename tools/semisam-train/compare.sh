#!/usr/bin/env bash
# Makes the README "Results" table: on the synthetic task, with LABELED labeled volumes and SEEDS seeds,
# supervised-only, Mean Teacher, UA-MT, DAN, each with and without the SemiSAM+ branch; test Dice and HD95
# (voxels) as mean and sample standard deviation over seeds, the Dice difference to supervised-only
# training paired by seed, and the mean gradient norm the SAM term puts on the specialist's logits.
# Method names: supervised | mt | uamt | dan, optionally followed by -semisam (unc prompts), then -point or
# -mask (those prompts instead), -quirks (--upstream-quirks), -wN (semisam.weight N instead of upstream's 0.1), e.g. mt-semisam-w10.
#   tools/semisam-train/compare.sh BIN_DIR OUT_DIR GENERALIST.safetensors
# Runs already in OUT_DIR/runs are kept, so an interrupted table continues where it stopped.
# Environment: TABLE_ONLY=1 (only print the table of the runs done), SEEDS ("1 2 3"), LABELED ("1 2 4"), METHODS (all six), CONFIG (configs/semisam-train/synthetic-compare.json).
set -euo pipefail
bin=$1/semisam-train
out=$2
generalist=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
config=${CONFIG:-$root/configs/semisam-train/synthetic-compare.json}
seeds=${SEEDS:-"1 2 3"}
labeled=${LABELED:-"1 2 4"}
methods=${METHODS:-"supervised mt uamt dan mt-semisam mt-semisam-quirks"}
mkdir -p "$out/runs"
[ -f "$out/task/manifest.json" ] || "$bin" synth --cases 12 --val 1 --test 3 --seed 7 --threads 1 --config "$config" --out "$out/task"
[ "${TABLE_ONLY:-0}" = 1 ] || for l in $labeled; do
  for seed in $seeds; do
    for m in $methods; do
      name=$m-l$l-s$seed
      [ -f "$out/runs/$name/report.json" ] && continue
      extra="--set method=${m%%-*}"
      if [[ $m == *-semisam* ]]; then
        extra="$extra --set semisam.enabled=true --set semisam.generalists=[\"$generalist\"]"
        [[ $m == *-point* ]] && extra="$extra --set semisam.prompt=point"
        [[ $m == *-mask* ]] && extra="$extra --set semisam.prompt=mask"
        [[ $m == *-quirks* ]] && extra="$extra --upstream-quirks"
        [[ $m =~ -w([0-9.]+) ]] && extra="$extra --set semisam.weight=${BASH_REMATCH[1]}"
        :
      fi
      echo "== $name" >&2
      # shellcheck disable=SC2086
      "$bin" --manifest "$out/task/manifest.json" --config "$config" --set labeled_num=$l --seed "$seed" --threads 1 \
        $extra --out "$out/runs/$name" --force >/dev/null
    done
  done
done
/usr/bin/python3 - "$out" "$labeled" "$seeds" "$methods" <<'PY'
import json, os, statistics, sys
out, labeled, seeds, methods = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split()
def name_of(m):
    parts = m.split("-")
    base = {"supervised": "supervised only", "mt": "MT", "uamt": "UA-MT", "dan": "DAN"}[parts[0]]
    if "semisam" not in parts:
        return base
    prompt = "point" if "point" in parts else "mask" if "mask" in parts else "unc"
    extra = ", upstream quirks" if "quirks" in parts else ""
    extra += "".join(f", weight {p[1:]}" for p in parts if p[:1] == "w" and p[1:].replace(".", "").isdigit())
    return f"{base} + SemiSAM+ ({prompt}{extra})"
def ms(v):
    return f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}" if len(v) > 1 else f"{v[0]:.3f}"
print(f"Mean ± sample standard deviation over seeds {' '.join(seeds)}.\n")
print("| labeled | method | runs | test Dice | Dice − supervised (same seeds) | Dice − same method without SemiSAM+ | test HD95 (voxels) | SAM-term grad norm | pseudo-label / specialist Dice on unlabeled patches | s/iteration |")
print("|---|---|---|---|---|---|---|---|---|---|")
def dice_of(m, l, s):
    path = f"{out}/runs/{m}-l{l}-s{s}/report.json"
    return json.load(open(path))["metrics"]["evaluation"]["dice"] if os.path.exists(path) else None
for l in labeled:
    for m in methods:
        dice, hd, grad, speed, pl, sp = [], [], [], [], [], []
        for s in seeds:
            path = f"{out}/runs/{m}-l{l}-s{s}/report.json"
            if not os.path.exists(path):
                continue  # still missing (TABLE_ONLY=1 prints what is done)
            r = json.load(open(path))
            e = r["metrics"]["evaluation"]
            dice.append(e["dice"]); hd.append(e["hd95"])
            g = r["curves"].get("sam_grad_norm")
            if g: grad.append(statistics.mean(v for _, v in g))
            # Against the unlabeled patches' hidden labels (diagnostics), averaged over all iterations.
            if r["curves"].get("pseudo_label_dice"):
                pl.append(statistics.mean(v for _, v in r["curves"]["pseudo_label_dice"]))
                sp.append(statistics.mean(v for _, v in r["curves"]["specialist_unlabeled_dice"]))
            t = r["timings"]["step"]
            speed.append(t["seconds"] / t["count"])
        if not dice:
            continue
        gtxt = f"{statistics.mean(grad):.2e}" if grad else "—"
        ptxt = f"{statistics.mean(pl):.3f} / {statistics.mean(sp):.3f}" if pl else "—"
        # Paired by seed: the seed (initialisation, crops) moves every method alike, so differences are sharper.
        def paired(ref):
            pairs = [(dice_of(m, l, s), dice_of(ref, l, s)) for s in seeds]
            diffs = [a - b for a, b in pairs if a is not None and b is not None]
            if m == ref or not diffs:
                return "—"
            return f"{statistics.mean(diffs):+.4f} ± {statistics.stdev(diffs):.4f}" if len(diffs) > 1 else f"{diffs[0]:+.4f}"
        dtxt = paired("supervised")
        btxt = paired(m.split("-")[0]) if "semisam" in m.split("-") else "—"
        print(f"| {l} | {name_of(m)} | {len(dice)} | {ms(dice)} | {dtxt} | {btxt} | {ms(hd)} | {gtxt} | {ptxt} | {statistics.mean(speed):.2f} |")
PY
