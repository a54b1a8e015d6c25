#!/usr/bin/env python3
"""Markdown perplexity/QSUR tables from one or more ostquant-calibrate report.json files (used for the tool
README). With several reports (e.g. seeds), each perplexity cell is "mean (min-max)" over them."""
import json
import statistics
import sys

reports = [json.load(open(p))["metrics"] for p in sys.argv[1:]]
if not reports:
    sys.exit("usage: table.py report.json [report.json ...]")
first = reports[0]
settings = []
for method, per in first["results"].items():
    if method != "fp":
        for s in per:
            if s not in settings:
                settings.append(s)
names = {"rtn": "RTN, no transform", "gptq": "GPTQ, no transform", "quarot": "random Hadamard rotations (QuaRot-style)",
         "rotonly": "learned rotations, no scaling", "ost": "OSTQuant (learned rotations + scaling)"}


def cell(values):
    if not values:
        return "-"
    if len(values) == 1 or max(values) - min(values) < 1e-9:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.1f} ({min(values):.0f}-{max(values):.0f})"


def ppls(method, setting, gptq=False):
    out = []
    for m in reports:
        e = m["results"].get(method, {}).get(setting)
        if e and gptq:
            e = e.get("gptq")
        if e:
            out.append(e["ppl"])
    return out


print("| method | " + " | ".join(settings) + " |")
print("|---|" + "---|" * len(settings))
print("| full precision | " + " | ".join(cell([m["fp_ppl"] for m in reports]) for _ in settings) + " |")
for method in ["rtn", "gptq", "quarot", "rotonly", "ost"]:
    if method in first["results"]:
        print(f"| {names[method]} | " + " | ".join(cell(ppls(method, s)) for s in settings) + " |")
# The same transforms with GPTQ weights (weight_quantizer "rtn+gptq").
for method in ["quarot", "rotonly", "ost"]:
    if any(ppls(method, s, True) for s in settings):
        print(f"| {names[method]} + GPTQ | " + " | ".join(cell(ppls(method, s, True)) for s in settings) + " |")
print()
sites = ["attn_in", "o_in", "mlp_in", "down_in"]
print("| QSUR (relative, mean over layers" + (" and runs" if len(reports) > 1 else "") + ") | " + " | ".join(sites) + " |")
print("|---|" + "---|" * len(sites))
mean_site = lambda get: " | ".join(f"{statistics.mean(get(m)[k] for m in reports):.3f}" for k in sites)
print("| original | " + mean_site(lambda m: m["qsur"]["original"]["mean"]) + " |")
for method in ["quarot", "rotonly", "ost"]:
    for s in settings:
        if all("qsur" in m["results"].get(method, {}).get(s, {}) for m in reports):
            print(f"| {method} {s} | " + mean_site(lambda m: m["results"][method][s]["qsur"]) + " |")
print()
for method in ["rotonly", "ost"]:
    for s in settings:
        runs = [m["results"][method][s]["train"] for m in reports if "train" in m["results"].get(method, {}).get(s, {})]
        if not runs:
            continue
        k = max(1, len(runs[0]["loss"]) // 10)
        head = statistics.mean(statistics.mean(t["loss"][:k]) for t in runs)
        tail = statistics.mean(statistics.mean(t["loss"][-k:]) for t in runs)
        print(f"- {method} {s}: KL-Top first {k} steps mean {head:.3f} -> last {k} mean {tail:.3f}; "
              f"{statistics.mean(t['seconds_per_step'] for t in runs):.2f} s/step; "
              f"max orthogonality error {max(t['orthogonality_max'] for t in runs):.1e}")
