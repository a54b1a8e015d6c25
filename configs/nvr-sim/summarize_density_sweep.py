#!/usr/bin/python3
"""Table of speedups and NSB misses from a density-width-sweep.json run: summarize_density_sweep.py DIR/sweep.json"""
import json
import sys

rows = json.load(open(sys.argv[1]))
table = {}
for r in rows:
    if "baseline" in r["case"] or "error" in r:
        continue
    s = r["set"]
    key = (s["workload.density"], s["npu.elem_bytes"])
    table.setdefault(key, {})[s["prefetcher.type"]] = (r["speedup"], r["stats"]["nsb"]["misses"])
print("density  elem | speedup: imp   dvr   nvr | NSB misses: none    dvr    nvr")
for (d, e), v in sorted(table.items(), key=lambda x: (-x[0][0], x[0][1])):
    print("1/%-5d %4d |      %5.2f %5.2f %5.2f |      %8d %6d %6d" % (
        round(1 / d), e, v["imp"][0], v["dvr"][0], v["nvr"][0], v["none"][1], v["dvr"][1], v["nvr"][1]))
