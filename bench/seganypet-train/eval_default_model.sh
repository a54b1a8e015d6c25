#!/usr/bin/env bash
# Dice of the default model on held-out phantom lesions (phantoms of another seed than its training set),
# through seganypet-infer's evaluation mode (original grid, simulated clicks, upstream's crop on the
# label), after 1, 3 and 5 clicks. Usage: bench/seganypet-train/eval_default_model.sh BIN_DIR OUT_DIR [CASES]
set -eu
bin=$1
out=$2
cases=${3:-8}
mkdir -p "$out"
[ -f "$out/heldout/manifest.json" ] || "$bin/seganypet-train" phantoms --cases "$cases" --val-fraction 0 \
  --lq-fraction 0 --seed 999 --threads 1 --out "$out/heldout" 2>/dev/null
/usr/bin/python3 - "$out/heldout/manifest.json" "$out/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
cases = [{"name": c["name"], "image": "heldout/" + c["image"], "gt": "heldout/" + c["label"]} for c in m["cases"]]
json.dump({"cases": cases}, open(sys.argv[2], "w"), indent=1)
PY
"$bin/seganypet-infer" --manifest "$out/manifest.json" --set eval_clicks=[1,3,5] --seed 233 --threads 1 \
  --force --out "$out/eval" 2>"$out/eval.log"
/usr/bin/python3 - "$out/eval/report.json" <<'PY'
import json, sys, statistics as st
r = json.load(open(sys.argv[1]))
per = {k: [] for k in r["metrics"]["eval_clicks"]}
vols = []
for c in r["metrics"]["cases"]:
    for t in c["targets"]:
        for k, d in zip(r["metrics"]["eval_clicks"], t["dice"]):
            if d is not None: per[k].append(d)
print(f"model {r['model']['checkpoint']} ({r['model']['parameters']} parameters)")
print(f"{len(per[1])} lesions in {len(r['metrics']['cases'])} held-out phantoms")
for k, v in per.items():
    print(f"Dice after {k} click(s): mean {st.mean(v):.3f}, median {st.median(v):.3f}, min {min(v):.3f}")
PY
