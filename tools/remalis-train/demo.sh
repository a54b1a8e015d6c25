#!/usr/bin/env bash
# Demo: the ReMALIS agents on the built-in task-allocation environment (no communication vs the full
# system, easy level, one seed, a short training), then, when sumo is installed, a short training on the
# 3x3 SUMO grid next to SUMO's fixed-time and actuated programs. README.md has
# the measured results of longer runs.
set -euo pipefail
tool=$LABKIT_BIN/remalis-train
root=${LABKIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
"$tool" --version | head -1
"$tool" ablation --config "$root/configs/remalis-train/demo.json" --out "$DEMO_OUT/ablation" --force --threads 1 --log-level warn
if command -v sumo >/dev/null && command -v netgenerate >/dev/null; then
  "$tool" train --config "$root/configs/remalis-train/demo-sumo.json" --out "$DEMO_OUT/sumo" --force --threads 1 --log-level warn
else
  echo "sumo not installed (Debian package sumo): SUMO part skipped"
fi
echo "outputs: $DEMO_OUT/ablation (runs/*/result.json, episodes.jsonl), $DEMO_OUT/sumo (report.json with curves, scenario/)"
