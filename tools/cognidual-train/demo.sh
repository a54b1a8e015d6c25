#!/usr/bin/env bash
# Demo: the CogniDual loop end to end on a tiny LLaMA trained from scratch (2-digit addition and 3-person
# ordering puzzles): CoT training, direct vs CoT accuracy, self-training on 20 and 60 unlabelled questions
# (answers kept by their labels), direct accuracy again. Too little training to learn much: it shows the
# pipeline and its outputs; README.md has the measured results of a larger run.
set -euo pipefail
tool=$LABKIT_BIN/cognidual-train
root=${LABKIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
"$tool" --version | head -1
"$tool" run --config "$root/configs/cognidual-train/demo.json" --out "$DEMO_OUT/run" --force --seed 0 --log-level warn
echo "outputs: $DEMO_OUT/run (report.json with curves, data/*.jsonl, base_model/, self_trained_*/)"
