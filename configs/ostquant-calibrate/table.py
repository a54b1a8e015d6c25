#!/usr/bin/env python3
"""Markdown perplexity/QSUR table from an ostquant-calibrate report.json (used for the tool README)."""
import json
import sys

m = json.load(open(sys.argv[1]))["metrics"]
res = m["results"]
settings = []
for method, per in res.items():
    if method != "fp":
        for s in per:
            if s not in settings:
                settings.append(s)
names = {"rtn": "RTN, no transform", "gptq": "GPTQ, no transform", "quarot": "random Hadamard rotations (QuaRot-style)",
         "rotonly": "learned rotations, no scaling", "ost": "OSTQuant (learned rotations + scaling)"}
print("| method | " + " | ".join(settings) + " |")
print("|---|" + "---|" * len(settings))
print(f"| full precision | " + " | ".join(f"{m['fp_ppl']:.2f}" for _ in settings) + " |")
def cell(entry):
    return f"{entry['ppl']:.2f}" if entry else "-"
for method in ["rtn", "gptq", "quarot", "rotonly", "ost"]:
    if method in res:
        print(f"| {names[method]} | " + " | ".join(cell(res[method].get(s)) for s in settings) + " |")
# The same transforms with GPTQ weights (weight_quantizer "rtn+gptq"); W16 settings have no weights to quantize.
for method in ["quarot", "rotonly", "ost"]:
    if method in res and any("gptq" in e for e in res[method].values()):
        print(f"| {names[method]} + GPTQ | " + " | ".join(cell(res[method].get(s, {}).get("gptq")) for s in settings) + " |")
print()
sites = ["attn_in", "o_in", "mlp_in", "down_in"]
print("| QSUR (relative, mean over layers) | " + " | ".join(sites) + " |")
print("|---|" + "---|" * len(sites))
print("| original | " + " | ".join(f"{m['qsur']['original']['mean'][k]:.3f}" for k in sites) + " |")
for method in ["quarot", "rotonly", "ost"]:
    for s in settings:
        if method in res and s in res[method] and "qsur" in res[method][s]:
            print(f"| {method} {s} | " + " | ".join(f"{res[method][s]['qsur'][k]:.3f}" for k in sites) + " |")
print()
for method in ["rotonly", "ost"]:
    for s in settings:
        e = res.get(method, {}).get(s, {})
        if "train" in e:
            l = e["train"]["loss"]
            k = max(1, len(l) // 10)
            print(f"- {method} {s}: KL-Top first {k} steps mean {sum(l[:k])/k:.3f} -> last {k} mean {sum(l[-k:])/k:.3f}; "
                  f"{e['train']['seconds_per_step']:.2f} s/step; max orthogonality error {e['train']['orthogonality_max']:.1e}")
